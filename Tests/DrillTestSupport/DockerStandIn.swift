// A stand-in `docker` for the tests of `database-restore: docker`: it records every argument line and plays the
// engine with this machine's PostgreSQL — `run` initialises and starts a cluster for the container's name (its
// mount source and image are only recorded), `exec [-i] [-e K=V] NAME prog args` runs prog against that cluster's
// socket, `rm -f NAME` stops it immediately and forgets it, `logs` prints the server log. The real engine is not
// exercised by the suite; this proves the arguments and the life cycle.

import Foundation

package enum DockerStandIn {
    /// Writes the stand-in into `dir` (as `dir/docker`); its log is `dir/docker.log`, its containers `dir/state/`.
    package static func install(in dir: String, postgresBin: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        let script = """
            #!/bin/bash
            BIN='\(postgresBin)'
            HERE='\(dir)'
            printf '%s\\n' "$*" >> "$HERE/docker.log"
            as_pg() { if [ "$(id -u)" = 0 ]; then /usr/sbin/runuser -u postgres -- "$@"; else "$@"; fi; }
            case "$1" in
            run)
              shift; name=; user=postgres
              while [ $# -gt 0 ]; do
                case "$1" in
                  -d|--rm) shift;;
                  --name|--network|--mount) [ "$1" = --name ] && name=$2; shift 2;;
                  -e) case "$2" in POSTGRES_USER=*) user=${2#POSTGRES_USER=};; esac; shift 2;;
                  *) image=$1; shift; break;;
                esac
              done
              home=$(mktemp -d /tmp/docker-standin-XXXXXX); chmod 755 "$home"
              [ "$(id -u)" = 0 ] && chown postgres "$home"
              as_pg "$BIN/initdb" -D "$home/data" -A trust -U "$user" --no-sync >/dev/null || exit 125
              printf "unix_socket_directories = '%s'\\nlisten_addresses = ''\\nfsync = off\\n" "$home" >> "$home/data/postgresql.conf"
              as_pg "$BIN/pg_ctl" -D "$home/data" -l "$home/log" -w start >/dev/null || exit 125
              echo "$home" > "$HERE/state/$name"
              echo "c0ffee$RANDOM";;
            exec)
              shift; envs=()
              while [ $# -gt 0 ]; do
                case "$1" in -i|-t) shift;; -e) envs+=("$2"); shift 2;; *) break;; esac
              done
              name=$1; shift
              [ -f "$HERE/state/$name" ] || { echo "Error: No such container: $name" >&2; exit 1; }
              home=$(cat "$HERE/state/$name"); prog=$1; shift
              if [ "$prog" = pg_isready ]; then exec "$BIN/pg_isready" -q -h "$home"; fi
              exec env "${envs[@]}" PGHOST="$home" "$BIN/$prog" "$@";;
            logs) name=${@: -1}; cat "$(cat "$HERE/state/$name")/log" 2>/dev/null;;
            rm)
              name=${@: -1}
              [ -f "$HERE/state/$name" ] || exit 1
              home=$(cat "$HERE/state/$name")
              as_pg "$BIN/pg_ctl" -D "$home/data" -m immediate -w stop >/dev/null 2>&1
              rm -rf "$home" "$HERE/state/$name";;
            *) echo "stand-in docker: $1 not played" >&2; exit 1;;
            esac
            """
        try script.write(toFile: dir + "/docker", atomically: true, encoding: .utf8)
        chmod(dir + "/docker", 0o755)
    }
}
