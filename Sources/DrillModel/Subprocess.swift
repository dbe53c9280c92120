// Runs a plan's shell commands (a backup tool's `list`, later its `restore`): /bin/sh -c in its own process group,
// stdin from /dev/null, stdout and stderr captured, a deadline after which the whole group is terminated (then
// killed), so a hanging backup tool never hangs a drill.

import CPosix
import Foundation

/// What a command did.
package struct SubprocessResult: Sendable {
    /// The exit status, or 128 + the signal that ended it.
    public var status: Int32
    public var stdout: Data
    package var stderr: Data
    package var timedOut: Bool
    public var seconds: Double

    /// The last lines of stderr (or stdout when stderr is empty), for an error message.
    package var tail: String {
        let data = stderr.isEmpty ? stdout : stderr
        let text = String(decoding: data.suffix(2000), as: UTF8.self)
        return text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }
}

/// Runs commands with a deadline, in their own process group, with no descriptors but 0–2, and bounded output.
public enum Subprocess {
    /// The shell commands run under: bash with `-o pipefail` when it exists (so `restic … | jq …` fails when restic
    /// does), else /bin/sh.
    static let shell: [String] = FileManager.default.isExecutableFile(atPath: "/bin/bash")
        ? ["/bin/bash", "-o", "pipefail", "-c"] : ["/bin/sh", "-c"]

    /// Runs `command` with the shell (`-c`), `arguments` as its positional parameters `$1`, `$2`… (never spliced into
    /// the text), in `directory` (passed by the environment, never spliced either). Output beyond `limit` bytes per
    /// stream is dropped (and the command still runs to its end). The whole process group is stopped at the deadline
    /// and as soon as `isCancelled` says so, whatever the command does with its pipes. Throws only when the command
    /// cannot be started.
    package static func run(shell command: String, arguments: [String] = [], timeout: Double, limit: Int = 256 << 20,
                           directory: String? = nil, isCancelled: () -> Bool = { false }) throws -> SubprocessResult {
        let start = Date()
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw DrillError(.environment, "cannot create a pipe for a command", cause: DrillError.errnoText(errno))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else the drill holds (inherited descriptors included) reaches the command.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        var environment = ProcessInfo.processInfo.environment
        var script = command
        if let directory {
            environment["IMMICH_DRILL_DIR"] = directory
            script = "cd -- \"$IMMICH_DRILL_DIR\" || exit 125\n" + command
        }
        let words: [String] = shell + [script, "immich-drill"] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { (word: String) in strdup(word) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, shell[0], &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw DrillError(.environment, "cannot start \(shell[0]) for: \(command)", cause: DrillError.errnoText(spawned))
        }

        var out = Data()
        var err = Data()
        var open = [outPipe[0], errPipe[0]]
        var timedOut = false
        var killedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let elapsed = Date().timeIntervalSince(start)
            if killedAt == nil, isCancelled() {
                killedAt = Date()
                kill(-pid, SIGTERM)
            }
            if !timedOut, elapsed > timeout {
                timedOut = true
                killedAt = Date()
                kill(-pid, SIGTERM)
            }
            if let killedAt, Date().timeIntervalSince(killedAt) > 3 {
                kill(-pid, SIGKILL)
                break
            }
            let ready = poll(&fds, nfds_t(fds.count), 200)
            if ready < 0, errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    if entry.fd == outPipe[0] {
                        if out.count < limit { out.append(contentsOf: buffer[0..<n]) }
                    } else if err.count < limit {
                        err.append(contentsOf: buffer[0..<n])
                    }
                } else if n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        for fd in open { close(fd) }
        // The command may have closed its pipes and still run: wait for it with the same deadline and signals.
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno != EINTR) { break }
            if killedAt == nil, isCancelled() || Date().timeIntervalSince(start) > timeout {
                if !isCancelled() { timedOut = true }
                killedAt = Date()
                kill(-pid, SIGTERM)
            }
            if let killedAt, Date().timeIntervalSince(killedAt) > 3 { kill(-pid, SIGKILL) }
            usleep(20_000)
        }
        if killedAt != nil { kill(-pid, SIGKILL) }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return SubprocessResult(status: code, stdout: out, stderr: err, timedOut: timedOut,
                                seconds: Date().timeIntervalSince(start))
    }

    /// `'text'` for /bin/sh, with embedded quotes escaped. A character a terminal would act on (ESC, CR, a C1
    /// control, a bidirectional override: `TerminalText`; line feeds and tabs are harmless inside quotes) is spelled
    /// `"$(printf '\033')"` between the quoted runs instead, so the printed command shows no terminal command and
    /// still runs, in any POSIX shell, as the same bytes.
    public static func shellQuote(_ text: String) -> String {
        "'" + TerminalText.spell(text, keepLines: true, run: { $0.replacingOccurrences(of: "'", with: "'\\''") },
                                 character: { "'\"" + printfSpelling(String($0).utf8) + "\"'" }) + "'"
    }

    /// `$(printf '\033')`: the shell text that makes `bytes`, in octal escapes only (no byte of them in the text).
    package static func printfSpelling(_ bytes: some Sequence<UInt8>) -> String {
        let octal = bytes.map { b in "\\" + String(b >> 6) + String((b >> 3) & 7) + String(b & 7) }
        return "$(printf '" + octal.joined() + "')"
    }
}
