# mosnews daemon image. Build:  docker build -t mosnews .
# Run:    docker run -d --name mosnews -v mosnews-data:/data mosnews
# Own config:  -v /srv/mosnews/config.yaml:/etc/mosnews/config.yaml:ro   (see docs/deploy.md)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/mosnews
COPY pyproject.toml setup.py README.md ./
COPY crawler ./crawler
COPY storage ./storage
RUN pip install . \
 && groupadd --system --gid 10001 mosnews \
 && useradd --system --uid 10001 --gid mosnews --home-dir /data --no-create-home --shell /usr/sbin/nologin mosnews \
 && mkdir -p /data /etc/mosnews \
 && chown mosnews:mosnews /data

# The shipped config; its relative SQLite URL (sqlite:///mosnews.db) resolves in the working
# directory, i.e. /data/mosnews.db on the volume.
COPY config.yaml /etc/mosnews/config.yaml

ENV MOSNEWS_CONFIG=/etc/mosnews/config.yaml \
    MOSNEWS_HEALTH_URL=http://127.0.0.1:9464/healthz
WORKDIR /data
VOLUME /data
USER mosnews
EXPOSE 9464

HEALTHCHECK --interval=30s --timeout=5s --start-period=2m --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen(os.environ.get('MOSNEWS_HEALTH_URL', 'http://127.0.0.1:9464/healthz'), timeout=4).status == 200 else 1)"]

CMD ["mosnews", "run", "--config", "/etc/mosnews/config.yaml"]
