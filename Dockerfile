# dcs-doctor with an embedded local[*] Spark. Build: docker build -t dcs-doctor .
# The image serves on 0.0.0.0 inside the container, so it refuses to start without a login. Either
#   docker run --rm -p 8501:8501 -e DCS_SHARED_SECRET="$(python -c 'import secrets; print(secrets.token_urlsafe(24))')" \
#     -v dcs-data:/data dcs-doctor
# (a team secret; DCS_SHARED_SECRET_ROLE=viewer makes it read-only, DCS_OPERATORS lists operator e-mails), or mount a
# secrets.toml with an [auth] section for your identity provider (OIDC):
#   docker run ... -v "$PWD/secrets.toml:/app/.streamlit/secrets.toml:ro" dcs-doctor
# Incidents are stored in /data/incidents.db (keep the volume), or in DCS_DATABASE_URL (PostgreSQL).
FROM python:3.11-slim-bookworm

# The distro JRE is taken at its current security release rather than pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYSPARK_PYTHON=/usr/local/bin/python \
    PYSPARK_DRIVER_PYTHON=/usr/local/bin/python \
    SPARK_LOCAL_IP=127.0.0.1 \
    DCS_DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py serve.py ./
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY app_pages ./app_pages
COPY dcs_engine ./dcs_engine
COPY runbook ./runbook
COPY lessons ./lessons

RUN useradd --create-home --uid 10001 doctor \
    && mkdir -p /data && chown 10001 /data
USER 10001
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"]
# serve.py checks the login before serving: exposed on 0.0.0.0 without DCS_SHARED_SECRET or [auth], it exits.
CMD ["streamlit", "run", "serve.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
