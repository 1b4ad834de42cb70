"""Services come from the city mapping files, and mappings/open311.yaml routes them back."""

from __future__ import annotations

from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import load_mappings
from hub.open311.catalog import build_catalog, category_block, service_code


def test_open311_mapping_routes_exactly_the_services_the_cities_expose() -> None:
    mappings = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")
    catalog = build_catalog(mappings)
    text = (PROJECT_ROOT / "mappings" / "open311.yaml").read_text(encoding="utf-8")
    assert category_block(catalog) in text, "run python -m hub.open311.catalog and paste it"
    routed = mappings["open311"].category.map
    assert set(routed) == set(catalog.services)
    for code, service in catalog.services.items():
        assert (routed[code].kategori, routed[code].kategori_nama, routed[code].instansi) == (
            service.topic_id, service.kategori, service.instansi)


def test_every_route_of_a_city_is_one_service_of_its_jurisdiction() -> None:
    mappings = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")
    catalog = build_catalog(mappings)
    for name, mapping in mappings.items():
        if name == "open311":
            continue
        juris = catalog.jurisdiction_of_channel(name)
        assert juris is not None and catalog.find(mapping.city.kode_kabkota) is juris
        for key, target in mapping.category.map.items():
            service = juris.services[service_code(target, juris.id)]
            assert key in service.keywords
    jambi = catalog.find("kota-jambi")
    assert jambi is not None and len(jambi.services) == len(
        {service_code(t, jambi.id) for t in mappings["sikesal"].category.map.values()})
