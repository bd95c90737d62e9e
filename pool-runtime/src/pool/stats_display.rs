//! `Display` for [`PoolStats`] and [`ClassStats`]: labelled, aligned text tables for logs and
//! terminals.

use core::fmt;

use crate::class::SizeClass;
use crate::pool::stats::{ClassStats, PoolStats};

/// Column labels of the counters, in [`counter_cells`] order.
const COUNTER_LABELS: [&str; 6] = [
    "capacity",
    "in use",
    "high water",
    "allocations",
    "exhausted",
    "heap fallbacks",
];

fn counter_cells(stats: &ClassStats) -> [String; 6] {
    [
        stats.capacity.to_string(),
        stats.in_use.to_string(),
        stats.high_water.to_string(),
        stats.allocations.to_string(),
        stats.exhausted.to_string(),
        stats.heap_fallbacks.to_string(),
    ]
}

/// `64 B`, `1 KiB`, `16 KiB`: slot sizes are powers of two from 64 B to 16 KiB.
fn slot_size_label(class: SizeClass) -> String {
    let bytes = class.slot_size();
    if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// Writes `rows` as a table: the first column left-aligned, the others right-aligned, each as
/// wide as its widest cell, two spaces between columns, no trailing spaces, one line per row and
/// no newline after the last.
fn write_table(f: &mut fmt::Formatter<'_>, rows: &[Vec<String>]) -> fmt::Result {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (line, row) in rows.iter().enumerate() {
        if line > 0 {
            f.write_str("\n")?;
        }
        let mut text = String::new();
        for (column, cell) in row.iter().enumerate() {
            let width = widths[column];
            if column == 0 {
                text.push_str(&format!("{cell:<width$}"));
            } else {
                text.push_str(&format!("  {cell:>width$}"));
            }
        }
        f.write_str(text.trim_end())?;
    }
    Ok(())
}

/// One counter per line, label then value (see the example on `PoolStats`'s `Display`).
impl fmt::Display for ClassStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<Vec<String>> = COUNTER_LABELS
            .iter()
            .zip(counter_cells(self))
            .map(|(label, value)| vec![(*label).to_owned(), value])
            .collect();
        write_table(f, &rows)
    }
}

/// One row per size class under a header row, then the totals (no total for the high water
/// marks: the classes peak at different times).
///
/// # Examples
///
/// ```
/// use ringpool::{LocalPools, Overflow, PoolConfig, SizeClass};
///
/// let mut pools = LocalPools::new(
///     PoolConfig::empty()
///         .with_capacity(SizeClass::XS, 4)
///         .with_capacity(SizeClass::S, 2)
///         .with_overflow(SizeClass::S, Overflow::Heap),
/// );
/// let held: Vec<_> = (0..3).map(|_| pools.allocate_bytes(100)).collect::<Result<_, _>>()?;
/// drop(pools.allocate_bytes(8)?);
/// assert_eq!(
///     pools.stats().to_string(),
///     "\
/// class  slot size  capacity  in use  high water  allocations  exhausted  heap fallbacks
/// XS          64 B         4       0           0            1          0               0
/// S          256 B         2       2           2            2          1               1
/// M          1 KiB         0       0           0            0          0               0
/// L          4 KiB         0       0           0            0          0               0
/// XL        16 KiB         0       0           0            0          0               0
/// total                    6       2                        3          1               1"
/// );
/// assert_eq!(
///     pools.stats().class(SizeClass::S).to_string(),
///     "\
/// capacity        2
/// in use          2
/// high water      2
/// allocations     2
/// exhausted       1
/// heap fallbacks  1"
/// );
/// # drop(held);
/// # Ok::<(), ringpool::PoolError>(())
/// ```
impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut header = vec!["class".to_owned(), "slot size".to_owned()];
        header.extend(COUNTER_LABELS.iter().map(|label| (*label).to_owned()));
        let mut rows = vec![header];
        let mut total = ClassStats::default();
        for (class, stats) in self.iter() {
            let mut row = vec![class.name().to_owned(), slot_size_label(class)];
            row.extend(counter_cells(&stats));
            rows.push(row);
            total.capacity += stats.capacity;
            total.in_use += stats.in_use;
            total.allocations = total.allocations.wrapping_add(stats.allocations);
            total.exhausted = total.exhausted.wrapping_add(stats.exhausted);
            total.heap_fallbacks = total.heap_fallbacks.wrapping_add(stats.heap_fallbacks);
        }
        let mut total_row = vec!["total".to_owned(), String::new()];
        total_row.extend(counter_cells(&total));
        total_row[4] = String::new(); // high water
        rows.push(total_row);
        write_table(f, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(capacity: usize, in_use: usize, allocations: u64) -> ClassStats {
        ClassStats {
            capacity,
            in_use,
            high_water: in_use + 1,
            allocations,
            exhausted: 2,
            heap_fallbacks: 1,
        }
    }

    #[test]
    fn class_stats_print_one_labelled_counter_per_line() {
        let text = stats(1024, 3, 12345).to_string();
        assert_eq!(
            text,
            "capacity         1024\n\
             in use              3\n\
             high water          4\n\
             allocations     12345\n\
             exhausted           2\n\
             heap fallbacks      1"
        );
    }

    #[test]
    fn pool_stats_print_a_row_per_class_and_the_totals() {
        let pool = PoolStats {
            classes: [
                stats(1024, 3, 12345),
                stats(512, 0, 7),
                stats(256, 10, 1_000_000),
                stats(128, 0, 0),
                stats(64, 64, 64),
            ],
        };
        let text = pool.to_string();
        let expected = [
            "class  slot size  capacity  in use  high water  allocations  exhausted  heap fallbacks",
            "XS          64 B      1024       3           4        12345          2               1",
            "S          256 B       512       0           1            7          2               1",
            "M          1 KiB       256      10          11      1000000          2               1",
            "L          4 KiB       128       0           1            0          2               1",
            "XL        16 KiB        64      64          65           64          2               1",
            "total                 1984      77                  1012416         10               5",
        ];
        assert_eq!(text, expected.join("\n"), "\n{text}");
    }
}
