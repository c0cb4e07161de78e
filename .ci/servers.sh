# Start the loopback servers the execution tests use; source this file, then call the functions.
# Each prints nothing on success, exports the variable the tests read, and registers a stop in
# NSMCODE_STOP (run it on exit). Works as root (servers run as their own users) or not.

NSMCODE_STOP="${NSMCODE_STOP:-}"

# start_mariadb PORT: Debian's MariaDB in a fresh temp datadir on 127.0.0.1:PORT, a database
# `nsmcode` and a user `nsmcode` without password -> NSMCODE_TEST_MYSQL=mysql://nsmcode@127.0.0.1:PORT/nsmcode
start_mariadb() {
  local port="$1" dir user=()
  dir=$(mktemp -d /tmp/nsmcode-mariadb.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown mysql "$dir"; user=(--user=mysql); fi
  mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1
  mariadbd --no-defaults "${user[@]}" --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
    --socket="$dir/sock" --pid-file="$dir/pid" --skip-name-resolve --innodb-buffer-pool-size=64M \
    --log-error="$dir/error.log" >/dev/null 2>&1 &
  local i
  for i in $(seq 1 60); do
    mariadb --no-defaults -uroot --socket="$dir/sock" -e "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb --no-defaults -uroot --socket="$dir/sock" -e "
    CREATE DATABASE IF NOT EXISTS nsmcode;
    CREATE USER IF NOT EXISTS 'nsmcode'@'127.0.0.1';
    GRANT ALL ON *.* TO 'nsmcode'@'127.0.0.1';" || { cat "$dir/error.log"; return 1; }
  export NSMCODE_TEST_MYSQL="mysql://nsmcode@127.0.0.1:$port/nsmcode"
  NSMCODE_STOP="$NSMCODE_STOP; kill \$(cat $dir/pid) 2>/dev/null"
}

# start_spark_connect PORT: pyspark's own Spark Connect server (local[2]) on 127.0.0.1:PORT
# -> NSMCODE_TEST_SPARK_REMOTE=sc://127.0.0.1:PORT. Needs Java and pyspark in PYTHON.
start_spark_connect() {
  local port="$1" python="${2:-python3}" home dir
  home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
  dir=$(mktemp -d /tmp/nsmcode-spark.XXXXXX)
  SPARK_HOME="$home" SPARK_LOG_DIR="$dir" SPARK_PID_DIR="$dir" SPARK_IDENT_STRING=nsmcode \
    bash "$home/sbin/start-connect-server.sh" --master 'local[2]' \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf spark.connect.grpc.binding.port="$port" \
    --conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.sql.session.timeZone=UTC --conf spark.sql.shuffle.partitions=2 \
    --conf spark.sql.warehouse.dir="$dir/warehouse" \
    --conf spark.driver.extraJavaOptions="-Dderby.system.home=$dir" \
    >"$dir/start.log" 2>&1 || { cat "$dir/start.log"; return 1; }
  local i
  for i in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$dir"/*.out; return 1; }
  export NSMCODE_TEST_SPARK_REMOTE="sc://127.0.0.1:$port"
  NSMCODE_STOP="$NSMCODE_STOP; SPARK_HOME=$home SPARK_PID_DIR=$dir SPARK_IDENT_STRING=nsmcode bash $home/sbin/stop-connect-server.sh >/dev/null 2>&1"
}
