//! Refcount overflow aborts the process (like `Arc`), checked in a child process.
#![cfg(not(loom))]

use pool_runtime::bytemuck::{Pod, Zeroable};
use pool_runtime::{LocalPools, PoolConfig, PooledMessage, Pools, RingPtr};

#[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
#[bytemuck(crate = "pool_runtime::bytemuck")]
#[repr(C)]
struct Tick {
    price: u64,
}

const CHILD: &str = "RINGPOOL_REFCOUNT_OVERFLOW_CHILD";

/// In the child: saturates a refcount to the limit and clones once more, which must abort.
#[test]
fn refcount_overflow_child() {
    let Ok(which) = std::env::var(CHILD) else {
        return;
    };
    let shared = Pools::new(PoolConfig::default());
    let mut local = LocalPools::new(PoolConfig::default());
    let msg = if which == "shared" {
        shared.allocate(Tick { price: 1 }).unwrap()
    } else {
        local.allocate(Tick { price: 1 }).unwrap()
    };
    RingPtr::__saturate_ref_count_for_tests(&msg);
    if which == "weak" {
        let weak = RingPtr::downgrade(&msg);
        let _ = weak.upgrade();
    } else {
        let _ = msg.clone();
    }
    // Only reached if the clone did not abort.
    std::process::exit(0);
}

fn run_child(which: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "refcount_overflow_child",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD, which)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{which}: the child survived an overflowing clone"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "{which}: expected SIGABRT; stderr: {stderr}"
        );
    }
    assert!(stderr.contains("refcount overflow"), "{which}: {stderr}");
}

#[test]
fn clone_past_the_limit_aborts() {
    run_child("local");
    run_child("shared");
}

#[test]
fn upgrade_past_the_limit_aborts() {
    run_child("weak");
}
