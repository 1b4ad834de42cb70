"""Open311 GeoReport v2 on the hub's HTTP service: a sixth channel (``open311``) and a read view."""
