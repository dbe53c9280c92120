// Signals, whenever they come: SIGINT, SIGTERM and SIGHUP set one flag that every long loop checks, so a drill stops
// at its next check, removes its run folder and records the run as aborted. Installed first thing in the process.

import Foundation
import Synchronization

/// Set by SIGINT, SIGTERM and SIGHUP (a closed ssh session); long loops check it and stop.
public enum Cancellation {
    static let flag = Atomic<Int32>(0)
    /// 1 while the running command checks the flag; 0 makes a signal end the process at once, as by default.
    static let aware = Atomic<Int32>(1)

    public static var isCancelled: Bool { flag.load(ordering: .relaxed) != 0 }

    /// The signal that asked to stop (0 when none).
    package static var signal: Int32 { flag.load(ordering: .relaxed) }

    /// The signals a drill stops on.
    package static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers, first thing in the process: the first signal sets the flag and the work stops at its
    /// next check (so the run folder is removed and the run recorded). A command that does not check the flag calls
    /// `notAware()`, after which a signal ends the process as it would by default.
    public static func install() {
        // A parent may have started us with the signals blocked or ignored (both are inherited); a drill must stop.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals {
            sigaddset(&set, sig)
            _ = Glibc.signal(sig) { received in
                if Cancellation.aware.load(ordering: .relaxed) == 0 {
                    _ = Glibc.signal(received, SIG_DFL)
                    _ = raise(received)
                    return
                }
                Cancellation.flag.store(received, ordering: .relaxed)
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The running command does not check the flag: a signal (or one that already came) ends the process.
    public static func notAware() {
        aware.store(0, ordering: .relaxed)
        let pending = flag.load(ordering: .relaxed)
        if pending != 0 {
            _ = Glibc.signal(pending, SIG_DFL)
            _ = raise(pending)
        }
    }

    /// For tests.
    package static func reset() { flag.store(0, ordering: .relaxed) }
}
