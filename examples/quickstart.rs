//! ringpool quick start: pooled messages fanned out over a ring.
use ringpool::{Ring, RingPtr};

/// (price, quantity): 16 bytes, so ringpool puts it in size class XS at compile time.
#[ringpool::message]
struct Tick(u64, u64);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ring = Ring::<RingPtr<Tick>>::with_capacity(1024)?; // one writer, any number of readers
    let (mut writer, reader) = (ring.writer()?, ring.subscribe()?);
    let strategy = std::thread::spawn(move || reader.map(|tick| tick.0 * tick.1).sum::<u64>());
    for price in (0..10_000).map(|i| 100 + i % 7) {
        writer.push(ringpool::allocate_from_pool(Tick(price, 2))?); // a pool slot, no malloc
    }
    drop(writer); // ends the stream; the last drop of each RingPtr returns its slot to the pool
    println!("notional {}", strategy.join().unwrap()); // 2059988
    Ok(())
}
