# Local stand-in for a public JDK 17 + Maven image, for machines that reach Debian's packages but no image registry
# (dev/checks/docker-real.sh makes BASE with debootstrap). Passed as BUILD_BASE to docker/Dockerfile.
# extra-ca/ holds the host's own certificate authorities (/usr/local/share/ca-certificates: a proxy that inspects
# TLS, say), so that Maven inside the build trusts what the host trusts; it may be empty.
ARG BASE=local/debian:bookworm
FROM ${BASE}
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && update-ca-certificates \
    && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \
    && rm -rf /var/lib/apt/lists/*
