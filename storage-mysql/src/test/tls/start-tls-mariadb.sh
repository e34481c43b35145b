#!/usr/bin/env bash
# Starts a throwaway MariaDB with TLS on 127.0.0.1:${PORT:-3307}, its CA and certificates in $DIR,
# for running the storage-mysql tests with every sslMode:
#   storage-mysql/src/test/tls/start-tls-mariadb.sh
#   HEALTHWATCH_TEST_MYSQL_URI=mysql://root@127.0.0.1:3307/healthwatch_test \
#   HEALTHWATCH_TEST_MYSQL_CA_FILE=/tmp/hw-tls/certs/ca.pem HEALTHWATCH_REQUIRE_MYSQL=1 \
#     mvn -B -o -pl storage-mysql -am verify
# Stop it with: start-stop-daemon --stop --pidfile /tmp/hw-tls/pid
set -euo pipefail
DIR=${DIR:-/tmp/hw-tls}
PORT=${PORT:-3307}
rm -rf "$DIR"
mkdir -p "$DIR/data" "$DIR/certs"
cd "$DIR/certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=hw-test-ca" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile ext.cnf 2>/dev/null
mariadb-install-db --no-defaults --datadir="$DIR/data" --user="$(id -un)" \
  --auth-root-authentication-method=normal >"$DIR/install.log" 2>&1
start-stop-daemon --start --background --make-pidfile --pidfile "$DIR/pid" --exec /usr/sbin/mariadbd -- \
  --no-defaults --datadir="$DIR/data" --port="$PORT" --bind-address=127.0.0.1 --socket="$DIR/sock" \
  --user="$(id -un)" --ssl-ca="$DIR/certs/ca.pem" --ssl-cert="$DIR/certs/server.pem" \
  --ssl-key="$DIR/certs/server.key" --log-error="$DIR/err.log" --pid-file="$DIR/mariadbd.pid"
for _ in $(seq 1 30); do
  mysql --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
mysql --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot -e "CREATE DATABASE IF NOT EXISTS healthwatch_test"
mysql --protocol=tcp -h127.0.0.1 -P"$PORT" -uroot -N -e "SHOW VARIABLES LIKE 'have_ssl'"
