//! T-shirt size classes: the five slot sizes every pool is built from.

use core::fmt;

/// Alignment of every pool slot: one cache line. It is also the largest message alignment that
/// `#[derive(PooledMessage)]` accepts.
pub const SLOT_ALIGN: usize = 64;

/// The size class of a message: which pool its slots come from.
///
/// | class | holds messages of up to |
/// |-------|-------------------------|
/// | `XS`  | 64 bytes                |
/// | `S`   | 256 bytes               |
/// | `M`   | 1 KiB                   |
/// | `L`   | 4 KiB                   |
/// | `XL`  | 16 KiB                  |
///
/// Classes are ordered by size (`XS < S < M < L < XL`).
///
/// # Examples
///
/// ```
/// use ringpool::SizeClass;
///
/// assert_eq!(SizeClass::for_size(84), Some(SizeClass::S));
/// assert_eq!(SizeClass::S.slot_size(), 256);
/// assert_eq!(SizeClass::for_size(16 * 1024 + 1), None);
/// assert!(SizeClass::XS < SizeClass::XL);
/// assert_eq!(SizeClass::M.to_string(), "M");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum SizeClass {
    /// Up to 64 bytes: one cache line.
    XS = 0,
    /// Up to 256 bytes.
    S = 1,
    /// Up to 1 KiB.
    M = 2,
    /// Up to 4 KiB: one page.
    L = 3,
    /// Up to 16 KiB, the largest pooled message.
    XL = 4,
}

impl SizeClass {
    /// Every class, smallest first.
    ///
    /// ```
    /// use ringpool::SizeClass;
    /// let sizes: Vec<usize> = SizeClass::ALL.iter().map(|c| c.slot_size()).collect();
    /// assert_eq!(sizes, [64, 256, 1024, 4096, 16384]);
    /// ```
    pub const ALL: [SizeClass; 5] = [
        SizeClass::XS,
        SizeClass::S,
        SizeClass::M,
        SizeClass::L,
        SizeClass::XL,
    ];

    /// The number of classes.
    pub const COUNT: usize = Self::ALL.len();

    /// The largest message, in bytes, any class holds (`XL`'s slot size).
    ///
    /// ```
    /// assert_eq!(ringpool::SizeClass::MAX_MESSAGE_SIZE, 16384);
    /// ```
    pub const MAX_MESSAGE_SIZE: usize = SizeClass::XL.slot_size();

    /// Payload bytes in one slot of this class: the largest message it holds.
    ///
    /// ```
    /// assert_eq!(ringpool::SizeClass::L.slot_size(), 4096);
    /// ```
    pub const fn slot_size(self) -> usize {
        match self {
            SizeClass::XS => 64,
            SizeClass::S => 256,
            SizeClass::M => 1024,
            SizeClass::L => 4096,
            SizeClass::XL => 16384,
        }
    }

    /// The smallest class whose slots hold `bytes`, or `None` above 16 KiB.
    ///
    /// Zero bytes map to `XS` (a zero-length byte buffer still needs a slot to be handed out).
    ///
    /// ```
    /// use ringpool::SizeClass;
    /// assert_eq!(SizeClass::for_size(64), Some(SizeClass::XS));
    /// assert_eq!(SizeClass::for_size(65), Some(SizeClass::S));
    /// assert_eq!(SizeClass::for_size(16385), None);
    /// ```
    pub const fn for_size(bytes: usize) -> Option<SizeClass> {
        if bytes <= 64 {
            Some(SizeClass::XS)
        } else if bytes <= 256 {
            Some(SizeClass::S)
        } else if bytes <= 1024 {
            Some(SizeClass::M)
        } else if bytes <= 4096 {
            Some(SizeClass::L)
        } else if bytes <= 16384 {
            Some(SizeClass::XL)
        } else {
            None
        }
    }

    /// Position of this class in [`SizeClass::ALL`] (0 for `XS` … 4 for `XL`), for per-class tables.
    ///
    /// ```
    /// assert_eq!(ringpool::SizeClass::M.index(), 2);
    /// ```
    pub const fn index(self) -> usize {
        self as usize
    }

    /// `log2(slot_size())`: slot sizes are powers of two, so offsets are shifts.
    ///
    /// ```
    /// use ringpool::SizeClass;
    /// assert_eq!(1usize << SizeClass::S.slot_shift(), SizeClass::S.slot_size());
    /// ```
    pub const fn slot_shift(self) -> u32 {
        self.slot_size().trailing_zeros()
    }

    /// The class name as written in code: `"XS"`, `"S"`, `"M"`, `"L"` or `"XL"`.
    pub const fn name(self) -> &'static str {
        match self {
            SizeClass::XS => "XS",
            SizeClass::S => "S",
            SizeClass::M => "M",
            SizeClass::L => "L",
            SizeClass::XL => "XL",
        }
    }
}

impl fmt::Display for SizeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_size_at_every_boundary() {
        let cases = [
            (0, Some(SizeClass::XS)),
            (1, Some(SizeClass::XS)),
            (64, Some(SizeClass::XS)),
            (65, Some(SizeClass::S)),
            (256, Some(SizeClass::S)),
            (257, Some(SizeClass::M)),
            (1024, Some(SizeClass::M)),
            (1025, Some(SizeClass::L)),
            (4096, Some(SizeClass::L)),
            (4097, Some(SizeClass::XL)),
            (16384, Some(SizeClass::XL)),
            (16385, None),
            (usize::MAX, None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(SizeClass::for_size(bytes), expected, "for_size({bytes})");
        }
    }

    #[test]
    fn every_class_is_the_smallest_that_fits_its_own_slot() {
        for class in SizeClass::ALL {
            assert_eq!(SizeClass::for_size(class.slot_size()), Some(class));
            assert_eq!(class.slot_size() % SLOT_ALIGN, 0);
            assert!(class.slot_size().is_power_of_two());
            assert_eq!(SizeClass::ALL[class.index()], class);
        }
    }

    #[test]
    fn order_follows_size() {
        for pair in SizeClass::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
            assert!(pair[0].slot_size() < pair[1].slot_size());
        }
    }

    #[test]
    fn display_matches_name() {
        for class in SizeClass::ALL {
            assert_eq!(class.to_string(), class.name());
        }
    }
}
