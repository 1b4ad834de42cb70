"""One typed httpx client per external system (``lapor``, ``sikesal``, ``dukcapil``), sharing
``http.BaseClient`` (transport, error mapping, retries) and the error tree in ``errors``."""
