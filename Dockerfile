# One image for the hub and the sandbox providers (docker-compose.yml picks the command).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY schema ./schema
COPY connectors ./connectors
COPY auth ./auth
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . && useradd --create-home hub
USER hub
EXPOSE 8000
CMD ["hub", "serve"]
