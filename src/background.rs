//! Work a cold start does ahead of need, on threads of its own: it must never take CPU time
//! from the work a caller is waiting for.

/// Lowers the calling thread to Linux's `SCHED_IDLE`: it then runs only on a CPU that would
/// otherwise be idle, so work done ahead of need never delays init or an invocation, even
/// with one CPU or less. Should the call fail, the work goes on at the usual priority.
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
