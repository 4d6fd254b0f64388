# Local stand-in for a public Java 17 runtime image (RUNTIME_BASE of docker/Dockerfile); see build.Dockerfile.
ARG BASE=local/debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless passwd \
    && rm -rf /var/lib/apt/lists/*
