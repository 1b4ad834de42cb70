"""The mapping engine: raw-record validation, declarative field/category/status maps, transforms."""
