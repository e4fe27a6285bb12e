//! The processes a session starts: free ports, the tools it needs, and killing a process group
//! whole, reaping every member that was ours.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn need(tool: &str) -> PathBuf {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .expect("sh");
    assert!(
        found.status.success(),
        "`{tool}` is not installed: run scripts/test.sh, which installs it"
    );
    PathBuf::from(String::from_utf8_lossy(&found.stdout).trim())
}

/// Makes this test process adopt its orphaned descendants, so [`kill_group`] can reap them
/// (the app's helpers outlive tauri-driver for a moment; nothing is left as a zombie).
pub(crate) fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    });
}

/// A live process: `/proc/PID/stat`'s name, parent and process group.
pub(crate) struct Proc {
    pub(crate) pid: i32,
    comm: String,
    pub(crate) ppid: i32,
    pgrp: i32,
}

/// Every process that is not a zombie.
pub(crate) fn processes() -> Vec<Proc> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or("").to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse().ok()).unwrap_or(0);
        if fields.first() != Some(&"Z") {
            all.push(Proc {
                pid,
                comm,
                ppid: number(1),
                pgrp: number(2),
            });
        }
    }
    all
}

/// The processes named `name` (as `/proc` shortens it) in process group `pgid`.
pub(crate) fn app_pids(pgid: i32, name: &str) -> Vec<i32> {
    let name: String = name.chars().take(15).collect();
    processes()
        .into_iter()
        .filter(|p| p.comm == name && p.pgrp == pgid)
        .map(|p| p.pid)
        .collect()
}

/// Kills a process group and reaps every member that was ours.
pub(crate) fn kill_group(pgid: i32) {
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let mut status = 0;
        let pid = unsafe { libc::waitpid(-pgid, &mut status, libc::WNOHANG) };
        if pid < 0 {
            break; // no member of the group is our child any more
        }
        if pid == 0 {
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

pub(crate) fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| need("tauri-driver"))
}
