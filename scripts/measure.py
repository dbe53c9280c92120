#!/usr/bin/env python3
"""Runs shell command lines and prints wall time and peak RSS, for scripts/bench.

Usage: measure.py LABEL 'command line' [LABEL 'command line' ...]
Each line is run with /bin/sh; its output is discarded. Prints "LABEL seconds peak_rss_kib" per command.
The peak RSS is the largest resident set of any process the command line started (RUSAGE_CHILDREN of a fresh
child per command), so a pipeline reports its largest member.
"""
import os
import resource
import subprocess
import sys
import time


def run(command):
    # A fresh intermediate process per command, so RUSAGE_CHILDREN covers only this command's processes.
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        start = time.monotonic()
        status = subprocess.call(["/bin/sh", "-c", command], stdout=subprocess.DEVNULL)
        elapsed = time.monotonic() - start
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        os.write(write_fd, f"{elapsed} {rss} {status}".encode())
        os._exit(0)
    os.close(write_fd)
    data = os.read(read_fd, 200).decode()
    os.waitpid(pid, 0)
    elapsed, rss, status = data.split()
    return float(elapsed), int(rss), int(status)


def main(args):
    if len(args) % 2 != 0:
        sys.exit("usage: measure.py LABEL 'command' ...")
    for label, command in zip(args[0::2], args[1::2]):
        elapsed, rss, status = run(command)
        if status not in (0, 1, 2):
            sys.exit(f"measure.py: {label} failed with exit {status}: {command}")
        print(f"{label} {elapsed:.3f} {rss}")


if __name__ == "__main__":
    main(sys.argv[1:])
