#!/usr/bin/env bash
# Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d): one database
# and one login per service, each owning its database and no other. The passwords come from the
# container's environment (MEMBERS_DB_PASSWORD, ...), which docker-compose.yml fills from .env.
# DB_NAME_PREFIX (empty in production) lets the topology test make its own, uniquely named set.
set -euo pipefail

for service in members contracts marketplace brokering notifications; do
  variable="${service^^}_DB_PASSWORD"
  password="${!variable:?set $variable}"
  name="${DB_NAME_PREFIX:-}${service}"
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
       -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
-- Only the service's own login (and the superuser) may connect to its database.
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
