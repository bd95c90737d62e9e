//! The writer lock word and the process-liveness check behind it.
//!
//! `WRITER_LOCK` holds one of:
//!
//! | value                     | meaning                                     |
//! |---------------------------|---------------------------------------------|
//! | `0`                       | no writer has attached since formatting     |
//! | `HELD << 32 \| pid`       | process `pid` holds the writer              |
//! | `RELEASED << 32 \| pid`   | process `pid` detached cleanly              |
//!
//! A writer attaches with one compare-and-swap from a vacant or released word, or from a word
//! held by a process that no longer exists (stale-lock takeover). Liveness is `kill(pid, 0)` on
//! Unix: it sends nothing and fails with `ESRCH` only when no such process exists. Limits, also
//! stated on [`super::ShmRing::writer`]: processes must share a pid namespace; a zombie (exited,
//! not yet reaped by its parent) still counts as alive; a recycled pid makes a dead writer look
//! alive until that process exits. On non-Unix targets every holder counts as alive, so a crashed
//! writer's lock must be cleared by re-formatting the region.

const HELD: u64 = 1;
const RELEASED: u64 = 2;

/// What the writer lock word says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockState {
    /// Never held since formatting.
    Vacant,
    /// Held by this process id.
    Held(u32),
    /// Released cleanly by this process id.
    Released(u32),
    /// Not a value this layout writes.
    Invalid,
}

/// Decodes a lock word.
pub(crate) fn decode_lock(word: u64) -> LockState {
    let pid = word as u32;
    match word >> 32 {
        0 if word == 0 => LockState::Vacant,
        HELD => LockState::Held(pid),
        RELEASED => LockState::Released(pid),
        _ => LockState::Invalid,
    }
}

/// The word of a lock held by `pid`.
pub(crate) const fn held_by(pid: u32) -> u64 {
    (HELD << 32) | pid as u64
}

/// The word of a lock released by `pid`.
pub(crate) const fn released_by(pid: u32) -> u64 {
    (RELEASED << 32) | pid as u64
}

/// This process's id.
pub(crate) fn current_pid() -> u32 {
    std::process::id()
}

/// Whether a process with this id exists (see the module docs for what that can and cannot tell).
#[cfg(all(unix, not(loom)))]
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == current_pid() {
        return true;
    }
    // A pid that does not fit pid_t, or is 0, names no single process (0 and negative values would
    // address process groups).
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: `kill` with signal 0 delivers nothing; it only checks that the process exists and
    // whether we may signal it. `pid > 0`, so it addresses exactly one process, never a group.
    let rc = unsafe { libc::kill(pid, 0) };
    // EPERM: it exists but belongs to another user — alive.
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Whether a process with this id exists: without `kill(2)` (non-Unix, or under loom where only
/// this process exists) every holder counts as alive.
#[cfg(not(all(unix, not(loom))))]
pub(crate) fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lock_words_round_trip() {
        assert_eq!(decode_lock(0), LockState::Vacant);
        assert_eq!(decode_lock(held_by(42)), LockState::Held(42));
        assert_eq!(decode_lock(released_by(42)), LockState::Released(42));
        assert_eq!(decode_lock(7 << 32), LockState::Invalid);
        assert_eq!(decode_lock(5), LockState::Invalid);
    }

    #[test]
    fn this_process_is_alive_and_bogus_pids_are_not() {
        assert!(process_alive(current_pid()));
        #[cfg(unix)]
        {
            assert!(!process_alive(0));
            assert!(!process_alive(u32::MAX));
        }
    }
}
