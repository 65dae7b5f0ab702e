FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TRANSDESK_INSTANCE_PATH=/var/lib/transdesk
WORKDIR /app
RUN useradd --create-home --uid 1000 transdesk && mkdir -p /var/lib/transdesk && chown transdesk /var/lib/transdesk
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
COPY locales ./locales
# Compile the catalogs without creating the app (that would write instance files as root at build time).
RUN pip install --no-cache-dir -e . && python -c "from service import i18n; i18n.compile()"
USER transdesk
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "service:create_app()"]
