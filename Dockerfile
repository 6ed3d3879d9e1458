# dcs-doctor with an embedded local[*] Spark. Build: docker build -t dcs-doctor .
# Run: docker run --rm -p 8501:8501 dcs-doctor   (the server binds 0.0.0.0 only inside the container)
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
    SPARK_LOCAL_IP=127.0.0.1

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py ./
COPY .streamlit ./.streamlit
COPY app_pages ./app_pages
COPY dcs_engine ./dcs_engine
COPY runbook ./runbook
COPY lessons ./lessons

RUN useradd --create-home --uid 10001 doctor
USER 10001
EXPOSE 8501
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"]
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true"]
