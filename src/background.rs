//! Work a cold start does ahead of need, on threads of its own: it must never take CPU time
//! from the work a caller is waiting for.

/// Lowers the calling thread to Linux's `SCHED_IDLE`: it then starts only on a CPU that would
/// otherwise be idle, so work done ahead of need keeps out of init's and an invocation's way,
/// even with one CPU or less. (A thread woken beside it can still wait for it to be
/// preempted: bench/HISTORY.md, "One background thread".) Should the call fail, the work goes
/// on at the usual priority.
pub fn run_only_when_idle() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets the policy of the calling thread (0); the parameter outlives the call.
    unsafe {
        libc::sched_setscheduler(
            0,
            libc::SCHED_IDLE,
            &libc::sched_param { sched_priority: 0 },
        );
    }
}
