# medcode on CPU (Docker 23 or newer: BuildKit's built-in Dockerfile frontend, so no
# frontend image is pulled). Nothing is fetched when a container runs: the embedding model
# ships in a Python package and is exported to ONNX while the image is built.
# docs/deploy.md has the whole recipe (replicas, probes, index updates).
#
# The service image; the index is built once elsewhere and mounted read-only at /index:
#   docker build -t medcode .
#   docker run --rm -p 8000:8000 -e MEDCODE_WORKERS=2 -v /srv/medcode/index:/index:ro medcode
#
# The same with the index built into the image (ICD-10-CM + ICD-10-PCS; add CPT pages with
# a named build context, a folder of .txt/.md/.html pages and an optional manifest.json):
#   docker build --target with-index -t medcode:with-index .
#   docker build --target with-index --build-context documents=/path/to/cpt-pages -t medcode:cpt .
#
# The build needs the base image and the Python package index (pip), nothing else. torch is
# installed first, as scripts/setup does; where your package index serves a CUDA build under
# that version, name the CPU build: --build-arg TORCH="torch==2.13.0 --index-url URL".

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS runtime
ARG TORCH="torch==2.13.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDCODE_CACHE_DIR=/opt/medcode/cache \
    MEDCODE_INDEX_DIR=/index \
    MEDCODE_HOST=0.0.0.0 \
    MEDCODE_PORT=8000
WORKDIR /opt/medcode/src
RUN python -m pip install ${TORCH}
COPY pyproject.toml README.md ./
COPY corpus corpus
COPY index index
COPY assistant assistant
COPY api api
# install; export the bundled model to ONNX (fp32 and int8) now, so that the cache folder
# is only read at run time; a user without a login or a home for the service
RUN python -m pip install . \
 && cd / && rm -rf /opt/medcode/src \
 && python -c "from pathlib import Path; from index.embedding.factory import load_embedder; load_embedder('bundled', 'onnx-int8', Path('/opt/medcode/cache'))" \
 && chmod -R a+rX /opt/medcode/cache \
 && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin medcode
WORKDIR /
USER medcode
EXPOSE 8000
# 200 only while an index is loaded (the first load takes a few seconds per worker)
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MEDCODE_PORT', '8000'), timeout=2)"]
# exec form: medcode is PID 1 and gets SIGTERM (graceful stop) and SIGHUP (index reload)
ENTRYPOINT ["medcode"]
CMD ["serve"]

# CPT pages for the with-index target: none unless --build-context documents=DIR is given
FROM scratch AS documents

FROM runtime AS with-index
USER root
RUN --mount=type=bind,from=documents,target=/documents \
    set -eu; \
    if [ -n "$(ls -A /documents)" ]; then docs="--documents /documents"; else docs=""; fi; \
    medcode index build --index-dir /index --quiet $docs; \
    rm -rf /opt/medcode/cache/embeddings; \
    chmod -R a+rX,a-w /index
USER medcode
