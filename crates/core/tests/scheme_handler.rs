//! The sign-in link's handler on a Linux desktop, with the real `xdg-mime` in a profile of
//! temporary folders. The person's real profile is never touched: it is snapshotted before
//! and compared after.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use glama_core::connect::scheme_handler::{current_handler, ensure_registered, Registration, HANDLER_FILE};

const SCHEME: &str = "ai.glama.chat";

/// The files a registration writes, in the real profile.
fn real_profile_files() -> Vec<PathBuf> {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let mut files = vec![
        home.join(".config/mimeapps.list"),
        home.join(".local/share/applications").join(HANDLER_FILE),
        home.join(".local/share/applications/mimeapps.list"),
        home.join(".local/share/applications/mimeinfo.cache"),
    ];
    for (var, rel) in [
        ("XDG_CONFIG_HOME", "mimeapps.list"),
        ("XDG_DATA_HOME", "applications/glama-chat-handler.desktop"),
    ] {
        if let Some(dir) = std::env::var_os(var) {
            files.push(PathBuf::from(dir).join(rel));
        }
    }
    files
}

type Snapshot = Vec<(PathBuf, Option<(Vec<u8>, SystemTime)>)>;

fn snapshot(files: &[PathBuf]) -> Snapshot {
    files
        .iter()
        .map(|f| {
            let state = std::fs::read(f)
                .ok()
                .map(|bytes| (bytes, std::fs::metadata(f).and_then(|m| m.modified()).unwrap()));
            (f.clone(), state)
        })
        .collect()
}

fn file_state(path: &Path) -> Option<(Vec<u8>, SystemTime)> {
    snapshot(&[path.to_path_buf()]).pop().unwrap().1
}

fn make_program(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"#!/bin/sh\n").unwrap();
    // xdg-mime skips a default whose program is not an executable file.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn registers_only_over_nobody_or_a_dev_build_and_never_in_the_real_profile() {
    if std::process::Command::new("xdg-mime")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("xdg-mime (xdg-utils) is needed; scripts/test.sh installs it");
    }
    let real = real_profile_files();
    let before = snapshot(&real);

    let root = std::env::temp_dir().join(format!("glama-handler-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (home, data_home, config_home, system) = (
        root.join("home"),
        root.join("data"),
        root.join("config"),
        root.join("system"),
    );
    for dir in [&home, &data_home, &config_home, &system.join("applications")] {
        std::fs::create_dir_all(dir).unwrap();
    }
    // The only test in this binary: the environment is ours to set.
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_DATA_HOME", &data_home);
    std::env::set_var("XDG_CONFIG_HOME", &config_home);
    std::env::set_var("XDG_DATA_DIRS", &system);
    std::env::set_var("XDG_CONFIG_DIRS", root.join("etc-xdg"));
    for var in [
        "XDG_CURRENT_DESKTOP",
        "DESKTOP_SESSION",
        "KDE_FULL_SESSION",
        "GNOME_DESKTOP_SESSION_ID",
    ] {
        std::env::remove_var(var);
    }

    let dev = root.join("work/target/debug/glama-chat");
    make_program(&dev);
    std::fs::write(
        root.join("work/target/CACHEDIR.TAG"),
        b"Signature: 8a477f597d28d172789f06886806bc55",
    )
    .unwrap();
    let mimeapps = config_home.join("mimeapps.list");

    // Nobody handles the link: this build registers itself, in the temporary profile.
    assert_eq!(current_handler(SCHEME).unwrap(), None);
    assert_eq!(ensure_registered(SCHEME, &dev).unwrap(), Registration::Registered);
    assert_eq!(current_handler(SCHEME).unwrap(), Some(dev.clone()));
    assert!(data_home.join("applications").join(HANDLER_FILE).is_file());

    // Already this binary: nothing is written again.
    let written = file_state(&mimeapps).expect("xdg-mime wrote the default");
    let entry = file_state(&data_home.join("applications").join(HANDLER_FILE));
    assert_eq!(ensure_registered(SCHEME, &dev).unwrap(), Registration::AlreadyThis);
    assert_eq!(file_state(&mimeapps), Some(written));
    assert_eq!(file_state(&data_home.join("applications").join(HANDLER_FILE)), entry);

    // An installed copy handles it (as a .deb's desktop entry would): never replaced.
    let installed = root.join("usr/bin/glama-chat");
    make_program(&installed);
    std::fs::write(
        system.join("applications/glama-chat.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Glama Chat\nExec={} %u\nMimeType=x-scheme-handler/{SCHEME};\n",
            installed.display()
        ),
    )
    .unwrap();
    let status = std::process::Command::new("xdg-mime")
        .args(["default", "glama-chat.desktop", &format!("x-scheme-handler/{SCHEME}")])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(current_handler(SCHEME).unwrap(), Some(installed.clone()));
    let chosen = file_state(&mimeapps);
    assert_eq!(
        ensure_registered(SCHEME, &dev).unwrap(),
        Registration::InstalledCopy(installed.clone())
    );
    assert_eq!(current_handler(SCHEME).unwrap(), Some(installed.clone()));
    assert_eq!(file_state(&mimeapps), chosen, "the person's choice was not rewritten");

    // The installed copy was removed: xdg-mime skips a default whose program is gone, and the
    // link is this build's again (its entry is still there, so nothing needs writing).
    std::fs::remove_file(&installed).unwrap();
    assert_eq!(ensure_registered(SCHEME, &dev).unwrap(), Registration::AlreadyThis);
    assert_eq!(current_handler(SCHEME).unwrap(), Some(dev.clone()));

    // A build in a folder whose name holds what an Exec line must escape: its entry reads
    // back as this very binary (before, the path was written between quotes as it was, and
    // read back cut at its first quote, so the build registered itself again at each start).
    let odd = root.join("we\"ird $HOME `x` 100% \\ dir/target/debug/glama-chat");
    make_program(&odd);
    std::fs::write(
        root.join("we\"ird $HOME `x` 100% \\ dir/target/CACHEDIR.TAG"),
        b"Signature: 8a477f597d28d172789f06886806bc55",
    )
    .unwrap();
    assert_eq!(ensure_registered(SCHEME, &odd).unwrap(), Registration::Registered);
    assert_eq!(current_handler(SCHEME).unwrap(), Some(odd.clone()));
    assert_eq!(ensure_registered(SCHEME, &odd).unwrap(), Registration::AlreadyThis);

    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(snapshot(&real), before, "the real profile was touched");
}
