//! Broadcasting between processes through a memory-mapped ring file.
//!
//! ```text
//! cargo run --release --features shm --example shm_broadcast                 # demo: writer + 2 reader processes
//! cargo run --release --features shm --example shm_broadcast -- --writer PATH [COUNT]
//! cargo run --release --features shm --example shm_broadcast -- --reader PATH
//! ```
//!
//! The writer never waits for readers; each message carries its index and a checksum, and each
//! reader reports how many messages it received, how many it lost to overruns (exactly), and
//! whether every checksum matched. A reader started while no writer runs waits for one.

use ringpool::shm::{ShmError, ShmRing};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const CAPACITY: usize = 1 << 20;
const DEFAULT_COUNT: u64 = 1_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--reader") => read(Path::new(args.get(1).ok_or("--reader needs a PATH")?)),
        Some("--writer") => {
            let count = args
                .get(2)
                .map(|n| n.parse())
                .transpose()?
                .unwrap_or(DEFAULT_COUNT);
            write(
                Path::new(args.get(1).ok_or("--writer needs a PATH")?),
                count,
            )
        }
        None => demo(),
        Some(other) => Err(format!("unknown argument {other}").into()),
    }
}

/// Payload of message `index`: the index, 8..=120 bytes derived from it, and an FNV-1a checksum.
fn encode(index: u64, buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&index.to_le_bytes());
    let extra = 8 + (index % 113) as usize;
    buf.extend((0..extra).map(|i| (index as usize).wrapping_mul(31).wrapping_add(i) as u8));
    let sum = checksum(buf);
    buf.extend_from_slice(&sum.to_le_bytes());
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |hash: u32, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

fn verify(payload: &[u8]) -> Option<u64> {
    let (body, sum) = payload.split_at(payload.len().checked_sub(4)?);
    (checksum(body).to_le_bytes() == sum).then(|| u64::from_le_bytes(body[..8].try_into().unwrap()))
}

fn open_or_create(path: &Path) -> Result<ShmRing<'static>, ShmError> {
    match ShmRing::create(path, CAPACITY) {
        Err(ShmError::Io(error)) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            ShmRing::open(path)
        }
        other => other,
    }
}

fn write(path: &Path, count: u64) -> Result<(), Box<dyn std::error::Error>> {
    let ring = open_or_create(path)?;
    let mut writer = ring.writer()?; // refused while another live process writes
    let mut payload = Vec::with_capacity(128);
    let started = Instant::now();
    for index in 0..count {
        encode(index, &mut payload);
        let mut claim = writer.claim(payload.len())?;
        claim.buffer_mut().copy_from_slice(&payload);
        claim.commit();
    }
    let elapsed = started.elapsed();
    println!(
        "writer: {count} messages in {elapsed:?} ({:.1} ns/message); closing",
        elapsed.as_nanos() as f64 / count as f64
    );
    Ok(()) // dropping the writer tells readers the stream ended
}

fn read(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // Readers need only read permission on the file, and map it read-only.
    let ring = ShmRing::open_read_only(path)?;
    let mut reader = ring.reader()?;
    println!("attached");
    std::io::stdout().flush()?;
    let (mut received, mut missed, mut gaps, mut bad) = (0u64, 0u64, 0u64, 0u64);
    let mut buf = vec![0u8; ring.max_message_len().min(4096)];
    loop {
        match reader.receive_next() {
            Ok(Some(message)) => match message.read(&mut buf) {
                Ok(len) => match verify(&buf[..len]) {
                    Some(_index) => received += 1,
                    None => bad += 1,
                },
                Err(ShmError::Overrun { missed: lost }) => {
                    missed += lost;
                    gaps += 1;
                }
                Err(error) => return Err(error.into()),
            },
            Ok(None) => std::thread::yield_now(),
            Err(ShmError::Overrun { missed: lost }) => {
                missed += lost;
                gaps += 1;
            }
            Err(ShmError::WriterClosed) => break,
            Err(error @ ShmError::WriterDied { .. }) => {
                println!("reader: {error}");
                break;
            }
            Err(error) => return Err(error.into()),
        }
    }
    println!(
        "reader {}: received {received}, lost {missed} in {gaps} overruns, {bad} bad checksums",
        std::process::id()
    );
    Ok(())
}

fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf =
        std::env::temp_dir().join(format!("ringpool-shm-example-{}", std::process::id()));
    let ring = ShmRing::create(&path, CAPACITY)?;
    drop(ring); // `write` opens it again, as a separate writer process would
    let mut readers = Vec::new();
    for _ in 0..2 {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--reader")
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        // Wait until the reader is attached, so it sees the stream from the start.
        let first = lines.next().ok_or("reader exited")??;
        assert_eq!(first, "attached");
        readers.push((child, lines));
    }
    write(&path, DEFAULT_COUNT)?;
    for (mut child, lines) in readers {
        for line in lines {
            println!("{}", line?);
        }
        child.wait()?;
    }
    std::fs::remove_file(&path)?;
    Ok(())
}
