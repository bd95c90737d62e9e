//! Least privilege for ring files: the writer creates them `0600` (or the mode it asks for);
//! readers open them `O_RDONLY`, map them read-only and need only read permission.
//!
//! Tests usually run as root here, and root ignores file permissions, so the permission test
//! re-executes this binary (`current_exe()`, filtered to `child_process_entry`) and has the child
//! drop to the `nobody` user (uid/gid 65534) before it touches the ring. Run as another user, the
//! same test takes write permission away from the owner instead (mode `0400`). Either way a reader
//! that asked for write access would fail.
#![cfg(all(not(loom), feature = "shm", unix, target_pointer_width = "64"))]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pool_runtime::shm::{Reader, ShmError, ShmRing, Writer};

const ROLE_ENV: &str = "RINGPOOL_SHM_READ_ONLY_CHILD";
const PATH_ENV: &str = "RINGPOOL_SHM_READ_ONLY_PATH";
const PRIVATE_PATH_ENV: &str = "RINGPOOL_SHM_READ_ONLY_PRIVATE_PATH";
const NOBODY: u32 = 65534;
const MESSAGES: u64 = 50;

fn ring_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ringpool-shm-ro-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Writes messages 0..MESSAGES (each its number, little-endian), then detaches.
fn write_all(mut writer: Writer<'static>) {
    for n in 0..MESSAGES {
        writer.write(&n.to_le_bytes()).unwrap();
    }
}

/// A reader on a read-only view of the ring at `path` (readers join after the newest message).
fn attach_read_only(path: &Path) -> Result<(ShmRing<'static>, Reader<'static>), ShmError> {
    let ring = ShmRing::open_read_only(path)?;
    assert!(ring.is_read_only());
    assert!(matches!(ring.writer(), Err(ShmError::ReadOnly)));
    let reader = ring.reader()?;
    Ok((ring, reader))
}

/// Reads messages 0..MESSAGES and then the writer's clean detach.
fn read_all(reader: &mut Reader<'static>) -> Result<(), ShmError> {
    let mut buf = [0u8; 8];
    for n in 0..MESSAGES {
        let message = reader.receive_next()?.expect("every message is there");
        assert_eq!(message.read(&mut buf)?, 8);
        assert_eq!(u64::from_le_bytes(buf), n);
    }
    assert!(matches!(reader.receive_next(), Err(ShmError::WriterClosed)));
    Ok(())
}

fn is_permission_denied(result: Result<ShmRing<'static>, ShmError>) -> bool {
    matches!(result, Err(ShmError::Io(ref e)) if e.kind() == io::ErrorKind::PermissionDenied)
}

#[test]
fn create_makes_the_file_owner_only_unless_asked() {
    let path = ring_path("default-mode");
    let ring = ShmRing::create(&path, 256).unwrap();
    assert_eq!(mode_of(&path), 0o600);
    drop(ring);
    std::fs::remove_file(&path).unwrap();

    // Exactly the mode asked for: the umask (usually 022) does not take the group's write bit.
    let path = ring_path("group-mode");
    let ring = ShmRing::create_with_mode(&path, 256, 0o660).unwrap();
    assert_eq!(mode_of(&path), 0o660);
    drop(ring);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn modes_beyond_the_permission_bits_are_refused() {
    let path = ring_path("setuid-mode");
    match ShmRing::create_with_mode(&path, 256, 0o4755) {
        Err(ShmError::Io(error)) => assert_eq!(error.kind(), io::ErrorKind::InvalidInput),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(!path.exists(), "nothing is created");
}

#[test]
fn a_read_only_ring_reads_what_the_writer_writes_and_refuses_a_writer() {
    let path = ring_path("same-process");
    let ring = ShmRing::create(&path, 4096).unwrap();
    let read_only = ShmRing::open_read_only(&path).unwrap();
    let mut reader = read_only.reader().unwrap();
    let mut writer = ring.writer().unwrap();
    let mut buf = [0u8; 8];
    for n in 0u64..500 {
        writer.write(&n.to_le_bytes()).unwrap();
        let message = reader.receive_next().unwrap().expect("just written");
        message.read(&mut buf).unwrap();
        assert_eq!(u64::from_le_bytes(buf), n);
    }
    assert!(matches!(read_only.writer(), Err(ShmError::ReadOnly)));
    assert_eq!(
        ShmError::ReadOnly.to_string(),
        "shared-memory ring was opened read-only: it can be read, not written"
    );
    assert!(format!("{read_only:?}").contains("read-only"));
    assert!(!ring.is_read_only());
    // A writer that detaches is seen by the read-only reader (its lock-word loads work too).
    drop(writer);
    assert!(matches!(reader.receive_next(), Err(ShmError::WriterClosed)));
    #[cfg(target_os = "linux")]
    assert_eq!(
        mapping_permissions(&path),
        vec!["rw-s".to_string(), "r--s".to_string()],
        "the writer's mapping is writable, the reader's is not"
    );
    drop((ring, read_only, reader));
    std::fs::remove_file(&path).unwrap();
}

/// The permission flags of this process's mappings of `path`, sorted.
#[cfg(target_os = "linux")]
fn mapping_permissions(path: &Path) -> Vec<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let path = path.to_str().unwrap();
    let mut flags: Vec<String> = maps
        .lines()
        .filter(|line| line.ends_with(path))
        .map(|line| line.split_whitespace().nth(1).unwrap().to_string())
        .collect();
    flags.sort();
    flags.reverse();
    flags
}

#[test]
fn a_reader_with_read_permission_only_reads_the_ring() {
    let path = ring_path("shared-read");
    let private = ring_path("private");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Root ignores permissions: a child that drops to `nobody` is the reader. The ring is
        // readable by others (0644); a default (0600) one it must not be able to open at all.
        let writer = ShmRing::create_with_mode(&path, 4096, 0o644)
            .unwrap()
            .writer()
            .unwrap();
        let _private_ring = ShmRing::create(&private, 4096).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_process_entry",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE_ENV, "reader")
            .env(PATH_ENV, &path)
            .env(PRIVATE_PATH_ENV, &private)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        // The child's reader is attached (or it failed and exited) when this line arrives.
        while !seen.contains("CHILD: attached") {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap() == 0 {
                break;
            }
            seen.push_str(&line);
        }
        write_all(writer);
        let _ = stdin.write_all(b"go\n");
        drop(stdin);
        let _ = stdout.read_to_string(&mut seen);
        let status = child.wait().unwrap();
        assert!(
            status.success() && seen.contains("CHILD: read-only reader as nobody: ok"),
            "child failed: {status}\n{seen}"
        );
    } else {
        // Not root: the owner itself loses write permission (0400) once its writer is attached.
        let writer = ShmRing::create(&path, 4096).unwrap().writer().unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(
            is_permission_denied(ShmRing::open(&path)),
            "control: no write access"
        );
        let (_ring, mut reader) = attach_read_only(&path).unwrap();
        write_all(writer);
        read_all(&mut reader).unwrap();
    }
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&private);
}

/// The reader process of `a_reader_with_read_permission_only_reads_the_ring` (does nothing
/// unless that test started it).
#[test]
fn child_process_entry() {
    if std::env::var(ROLE_ENV).as_deref() != Ok("reader") {
        return;
    }
    let path = PathBuf::from(std::env::var_os(PATH_ENV).unwrap());
    let private = PathBuf::from(std::env::var_os(PRIVATE_PATH_ENV).unwrap());
    // SAFETY: plain system calls on this process's credentials; groups first, then gid, then
    // uid (after setuid we could no longer change the others). Each result is checked.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0, "setgroups");
        assert_eq!(libc::setgid(NOBODY), 0, "setgid");
        assert_eq!(libc::setuid(NOBODY), 0, "setuid");
        assert_eq!(libc::geteuid(), NOBODY);
    }
    // Control: this process really cannot write the file, so asking for write access fails.
    assert!(
        is_permission_denied(ShmRing::open(&path)),
        "control: no write access"
    );
    // Others cannot even read a file made with the default mode.
    assert!(is_permission_denied(ShmRing::open_read_only(&private)));
    let (_ring, mut reader) = attach_read_only(&path).unwrap();
    println!("CHILD: attached");
    // The parent writes every message and detaches, then says so.
    let mut go = String::new();
    io::stdin().read_line(&mut go).unwrap();
    assert_eq!(go, "go\n");
    read_all(&mut reader).unwrap();
    println!("CHILD: read-only reader as nobody: ok");
}
