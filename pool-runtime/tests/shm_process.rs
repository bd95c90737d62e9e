//! Two processes on one ring file. The test binary re-executes itself (`current_exe()`) with
//! `RINGPOOL_SHM_CHILD_ROLE` set, filtered to `child_process_entry`, so no extra binary is needed.
//! Parent and child talk over the child's stdin/stdout (`SHM:` lines) only to sequence phases;
//! all data goes through the mapped ring.
#![cfg(all(not(loom), feature = "shm", unix))]

use pool_runtime::shm::{ShmError, ShmRing, WriterStatus};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const ROLE_ENV: &str = "RINGPOOL_SHM_CHILD_ROLE";
const PATH_ENV: &str = "RINGPOOL_SHM_CHILD_PATH";
const CAPACITY: usize = 8192;
/// Fits in the ring (≤ 216 bytes a frame): read without gaps.
const PHASE_ONE: u64 = 30;
/// Laps the ring many times while the child reader is paused.
const PHASE_TWO: u64 = 1000;
/// Written while the child reads concurrently.
const PHASE_THREE: u64 = 20_000;
/// Messages the crashing child writer commits.
const CRASH_AFTER: u64 = 10;
/// Byte offsets of CLAIM_END and PUBLISHED in the documented header layout.
const CLAIM_END_OFFSET: u64 = 128;
const PUBLISHED_OFFSET: u64 = 136;

fn len_of(seq: u64) -> usize {
    (seq.wrapping_mul(2_654_435_761) % 201) as usize
}

/// Payload of message `seq`: its sequence number, then bytes derived from it, then a checksum.
fn payload(seq: u64) -> Vec<u8> {
    let len = len_of(seq);
    let mut bytes: Vec<u8> = (0..len)
        .map(|i| (seq as usize).wrapping_mul(131).wrapping_add(i * 7) as u8)
        .collect();
    for (i, byte) in seq.to_le_bytes().iter().enumerate().take(len) {
        bytes[i] = *byte;
    }
    if len >= 12 {
        let sum = checksum(&bytes[..len - 4]);
        bytes[len - 4..].copy_from_slice(&sum.to_le_bytes());
    }
    bytes
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

fn verify(seq: u64, bytes: &[u8]) {
    assert_eq!(bytes, &payload(seq)[..], "content of message {seq}");
    if bytes.len() >= 12 {
        let (body, sum) = bytes.split_at(bytes.len() - 4);
        assert_eq!(
            checksum(body).to_le_bytes(),
            sum,
            "checksum of message {seq}"
        );
    }
}

fn ring_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ringpool-shm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

struct ChildProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl ChildProcess {
    fn spawn(role: &str, path: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_process_entry",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(ROLE_ENV, role)
            .env(PATH_ENV, path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("re-execute the test binary");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// The next `SHM:` line the child prints (without the prefix).
    fn expect_line(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            assert_ne!(
                self.stdout.read_line(&mut line).unwrap(),
                0,
                "child exited early"
            );
            // libtest may print "test child_process_entry ... " on the same line first.
            if let Some(at) = line.find("SHM:") {
                return line[at + 4..].trim_end().to_owned();
            }
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }
}

/// The child side. Does nothing unless started by one of the tests below.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(ROLE_ENV) else {
        return;
    };
    let path = PathBuf::from(std::env::var(PATH_ENV).unwrap());
    match role.as_str() {
        "reader" => child_reader(&path),
        "writer" => child_writer(&path),
        other => panic!("unknown role {other}"),
    }
}

fn say(line: &str) {
    println!("SHM:{line}");
    std::io::stdout().flush().unwrap();
}

fn wait_for(expected: &str) {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), expected);
}

fn child_reader(path: &Path) {
    // Read-only, as readers should: every read path below works on a PROT_READ mapping.
    let ring = ShmRing::open_read_only(path).unwrap();
    let mut reader = ring.reader().unwrap();
    say("ready");
    let mut buf = vec![0u8; 256];
    let (mut received, mut missed, mut gaps) = (0u64, 0u64, 0u64);
    let mut paused = false;
    loop {
        if !paused && received + missed == PHASE_ONE {
            assert_eq!(
                (received, missed),
                (PHASE_ONE, 0),
                "phase one fits in the ring"
            );
            paused = true;
            say("paused");
            wait_for("go");
            match reader.receive_next() {
                Err(ShmError::Overrun { missed: lost }) => {
                    say(&format!("gap {lost}"));
                    missed += lost;
                    gaps += 1;
                }
                other => panic!("expected an overrun after the pause, got {other:?}"),
            }
            continue;
        }
        match reader.receive_next() {
            Ok(Some(message)) => match message.read(&mut buf) {
                Ok(len) => {
                    assert_eq!(message.seq(), received + missed, "order or gap count");
                    verify(message.seq(), &buf[..len]);
                    received += 1;
                }
                Err(ShmError::Overrun { missed: lost }) => {
                    missed += lost;
                    gaps += 1;
                }
                Err(other) => panic!("{other}"),
            },
            Ok(None) => std::thread::yield_now(),
            Err(ShmError::Overrun { missed: lost }) => {
                missed += lost;
                gaps += 1;
            }
            Err(ShmError::WriterClosed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    say(&format!("done {received} {missed} {gaps}"));
}

fn child_writer(path: &Path) {
    let ring = ShmRing::open(path).unwrap();
    let mut writer = ring.writer().unwrap();
    for seq in 0..CRASH_AFTER {
        assert_eq!(writer.write(&payload(seq)).unwrap(), seq);
    }
    say("written");
    wait_for("crash");
    // Die as if in the middle of the next message: announce a claim, never publish it.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut published = [0u8; 8];
    file.read_exact_at(&mut published, PUBLISHED_OFFSET)
        .unwrap();
    let claim = u64::from_ne_bytes(published) + 64;
    file.write_all_at(&claim.to_ne_bytes(), CLAIM_END_OFFSET)
        .unwrap();
    // No destructors run: the writer lock stays held by this (soon dead) process.
    std::process::exit(17);
}

#[test]
fn a_second_process_reads_what_the_first_writes_with_exact_gaps() {
    let path = ring_path("broadcast");
    let ring = ShmRing::create(&path, CAPACITY).unwrap();
    let mut child = ChildProcess::spawn("reader", &path);
    assert_eq!(child.expect_line(), "ready");
    let mut writer = ring.writer().unwrap();
    for seq in 0..PHASE_ONE {
        writer.write(&payload(seq)).unwrap();
    }
    assert_eq!(child.expect_line(), "paused");
    for seq in PHASE_ONE..PHASE_ONE + PHASE_TWO {
        writer.write(&payload(seq)).unwrap();
    }
    child.send("go");
    // The paused reader lost the messages of phase two the ring no longer holds, and goes on
    // with the oldest one it still does (more than just the newest); the final counts below
    // check that every message was received or counted as missed.
    let gap: u64 = child
        .expect_line()
        .strip_prefix("gap ")
        .expect("a gap report")
        .parse()
        .unwrap();
    assert!(gap > 0 && gap < PHASE_TWO - 1, "gap {gap}");
    let total = PHASE_ONE + PHASE_TWO + PHASE_THREE;
    for seq in PHASE_ONE + PHASE_TWO..total {
        let mut claim = writer.claim(len_of(seq)).unwrap();
        claim.buffer_mut().copy_from_slice(&payload(seq));
        claim.commit();
        if seq % 8 == 0 {
            // Give the reader process a chance to keep up now and then (gaps still happen).
            std::thread::yield_now();
        }
    }
    drop(writer);
    let done = child.expect_line();
    let numbers: Vec<u64> = done
        .strip_prefix("done ")
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    let (received, missed, gaps) = (numbers[0], numbers[1], numbers[2]);
    assert_eq!(received + missed, total, "{done}");
    assert!(gaps >= 1 && received > PHASE_ONE, "{done}");
    assert!(child.child.wait().unwrap().success());
    eprintln!("child reader: received {received}, missed {missed} in {gaps} gaps");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_writer_process_that_dies_mid_message_is_reported_and_replaced() {
    let path = ring_path("crash");
    let ring = ShmRing::create(&path, CAPACITY).unwrap();
    let mut reader = ring.reader().unwrap();
    let mut child = ChildProcess::spawn("writer", &path);
    assert_eq!(child.expect_line(), "written");
    let child_pid = child.child.id();

    // While the child lives, its lock holds.
    assert!(matches!(ring.writer(), Err(ShmError::WriterBusy { pid }) if pid == child_pid));
    assert_eq!(ring.writer_status(), WriterStatus::Alive { pid: child_pid });
    let mut buf = [0u8; 256];
    for seq in 0..CRASH_AFTER {
        let message = reader
            .receive_next()
            .unwrap()
            .expect("committed before the crash");
        let len = message.read(&mut buf).unwrap();
        verify(seq, &buf[..len]);
    }

    child.send("crash");
    let status = child.child.wait().unwrap(); // reaped: no zombie left to look alive
    assert_eq!(status.code(), Some(17));
    let error = (0..100_000)
        .find_map(|_| reader.receive_next().err())
        .expect("death is noticed");
    assert!(
        matches!(error, ShmError::WriterDied { pid, mid_message: true } if pid == child_pid),
        "{error}"
    );
    assert_eq!(ring.writer_status(), WriterStatus::Dead { pid: child_pid });

    // The stale lock is taken over; the sequence continues after the last committed message.
    let mut writer = ring.writer().unwrap();
    assert_eq!(writer.next_seq(), CRASH_AFTER);
    writer.write(&payload(CRASH_AFTER)).unwrap();
    let message = reader.receive_next().unwrap().unwrap();
    let len = message.read(&mut buf).unwrap();
    assert_eq!(message.seq(), CRASH_AFTER);
    verify(CRASH_AFTER, &buf[..len]);
    drop(writer);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn files_that_are_not_rings_are_refused() {
    let path = ring_path("not-a-ring");
    std::fs::write(&path, b"too small").unwrap();
    assert!(matches!(
        ShmRing::open(&path),
        Err(ShmError::RegionTooSmall { available: 9, .. })
    ));
    std::fs::write(&path, vec![0u8; 4096]).unwrap();
    assert!(matches!(ShmRing::open(&path), Err(ShmError::Uninitialized)));
    std::fs::write(&path, vec![0x5Au8; 4096]).unwrap();
    assert!(matches!(ShmRing::open(&path), Err(ShmError::NotARing)));
    // Another layout version.
    let versioned = ring_path("versioned2");
    drop(ShmRing::create(&versioned, 256).unwrap());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&versioned)
        .unwrap();
    file.write_all_at(&2u64.to_ne_bytes(), 8).unwrap();
    assert!(matches!(
        ShmRing::open(&versioned),
        Err(ShmError::VersionMismatch {
            found: 2,
            expected: 1
        })
    ));
    // Creating over an existing file is refused; a missing file cannot be opened.
    assert!(matches!(
        ShmRing::create(&versioned, 256),
        Err(ShmError::Io(_))
    ));
    std::fs::remove_file(&versioned).unwrap();
    assert!(matches!(ShmRing::open(&versioned), Err(ShmError::Io(_))));
    assert!(matches!(
        ShmRing::create(&versioned, 100),
        Err(ShmError::InvalidCapacity(100))
    ));
    std::fs::remove_file(&path).unwrap();
}
