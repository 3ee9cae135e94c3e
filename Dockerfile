# mockgateway in a container. Build: docker build -t mockgateway .
# Run:   docker run --rm -p 7891:7891 mockgateway
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 mockgateway
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mockgateway ./mockgateway
COPY scenarios ./scenarios
RUN pip install --no-cache-dir .

USER mockgateway
# Listening on 0.0.0.0, the control API (/_mock/..., but /_mock/health) needs a token:
# `docker run -e MOCKGATEWAY_CONTROL_TOKEN=...`, then `Authorization: Bearer ...`. Left empty, a
# token is generated at start and printed on stderr (docker logs). The Montnets API never needs it.
ENV MOCKGATEWAY_HOST=0.0.0.0 MOCKGATEWAY_PORT=7891 MOCKGATEWAY_CONTROL_TOKEN=""
EXPOSE 7891
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_mock/health' % os.environ.get('MOCKGATEWAY_PORT', '7891'), timeout=2)"
CMD ["mockgateway", "serve"]
