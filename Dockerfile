# The hub as an image: a Prefect worker (or the intake, the read API) on any machine runs the
# flows from /opt/lapor-hub, where prefect.yaml's pull step points ($LAPOR_HUB_HOME).
#   docker build -t lapor-hub .
#   docker run --env-file /etc/lapor-hub/env -e PREFECT_API_URL=http://prefect:4200/api \
#       lapor-hub prefect worker start --pool lapor-hub --type process
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LAPOR_HUB_HOME=/opt/lapor-hub LAPOR_HUB_ENV_FILE=/etc/lapor-hub/env \
    PREFECT_HOME=/var/lib/lapor-hub/prefect LAPOR_HUB_LOG_JSON=true
WORKDIR /opt/lapor-hub
COPY pyproject.toml README.md alembic.ini prefect.yaml ./
COPY hub hub
COPY connectors connectors
COPY flows flows
COPY simulators simulators
COPY schemas schemas
COPY mappings mappings
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/lapor-hub lapor-hub \
    && mkdir -p /var/lib/lapor-hub && chown lapor-hub /var/lib/lapor-hub
USER lapor-hub
CMD ["lapor-hub", "--help"]
