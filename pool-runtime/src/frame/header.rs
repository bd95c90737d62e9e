//! The fixed 8-byte frame header and its little-endian codec.

use crate::message::{PooledMessage, SlotLayout};

/// The header that starts every frame: which message follows, the sender's flags, and how many
/// payload bytes follow it. Encoded as eight little-endian bytes, laid out in the
/// [module docs](crate::frame).
///
/// # Examples
///
/// ```
/// use ringpool::frame::FrameHeader;
///
/// let header = FrameHeader::new(0x1234, 0x0001, 84);
/// let bytes = header.to_bytes();
/// assert_eq!(bytes, [0x34, 0x12, 0x01, 0x00, 84, 0, 0, 0]);
/// assert_eq!(FrameHeader::from_bytes(bytes), header);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// The payload's message type: [`PooledMessage::TYPE_ID`] for a typed message.
    pub type_id: u16,
    /// Bits the application may use; ringpool neither sets nor reads them.
    pub flags: u16,
    /// Number of payload bytes after the header.
    pub payload_len: u32,
}

impl FrameHeader {
    /// Length of an encoded header, in bytes.
    pub const LEN: usize = 8;

    /// A header with the given fields.
    ///
    /// ```
    /// let h = ringpool::frame::FrameHeader::new(7, 0, 16);
    /// assert_eq!((h.type_id, h.flags, h.payload_len), (7, 0, 16));
    /// ```
    pub const fn new(type_id: u16, flags: u16, payload_len: u32) -> Self {
        FrameHeader {
            type_id,
            flags,
            payload_len,
        }
    }

    /// The header [`write_frame`](crate::frame::write_frame) sends before a `T`: `T::TYPE_ID`,
    /// flags 0, length `T::SIZE`.
    pub const fn for_message<T: PooledMessage>() -> Self {
        // `SlotLayout` checked `size_of::<T>() <= SizeClass::MAX_MESSAGE_SIZE` (16 KiB), so the
        // conversion to u32 is lossless.
        FrameHeader::new(T::TYPE_ID, 0, SlotLayout::<T>::SIZE as u32)
    }

    /// The eight wire bytes of this header.
    pub const fn to_bytes(self) -> [u8; Self::LEN] {
        let id = self.type_id.to_le_bytes();
        let flags = self.flags.to_le_bytes();
        let len = self.payload_len.to_le_bytes();
        [
            id[0], id[1], flags[0], flags[1], len[0], len[1], len[2], len[3],
        ]
    }

    /// Decodes eight wire bytes. Every bit pattern is a valid header; limits are checked by the
    /// reader, not here.
    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        FrameHeader {
            type_id: u16::from_le_bytes([bytes[0], bytes[1]]),
            flags: u16::from_le_bytes([bytes[2], bytes[3]]),
            payload_len: u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }

    /// `payload_len` as a `usize`.
    pub const fn payload_len_usize(self) -> usize {
        // u32 → usize is lossless on every target ringpool supports (32- and 64-bit).
        self.payload_len as usize
    }
}

#[cfg(test)]
mod tests {
    use super::FrameHeader;

    #[test]
    fn byte_order_is_little_endian_field_by_field() {
        let header = FrameHeader::new(0xA1B2, 0xC3D4, 0x0102_0304);
        assert_eq!(
            header.to_bytes(),
            [0xB2, 0xA1, 0xD4, 0xC3, 0x04, 0x03, 0x02, 0x01]
        );
    }

    #[test]
    fn every_header_round_trips() {
        for (id, flags, len) in [(0, 0, 0), (u16::MAX, u16::MAX, u32::MAX), (1, 2, 3)] {
            let header = FrameHeader::new(id, flags, len);
            assert_eq!(FrameHeader::from_bytes(header.to_bytes()), header);
        }
    }
}
