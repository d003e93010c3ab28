//! Text over semihosting without `core::fmt`, whose machinery (padding,
//! 64-bit division, float formatting) would cost several KB of the 32 KB
//! flash budget. Enough for unsigned integers, `f32` in fixed point and
//! their bit patterns.

use cortex_m_semihosting::hio::{self, HostStream};

/// The host's standard output; writes are best effort (a failed write has
/// nowhere to be reported).
pub struct Out(Option<HostStream>);

impl Out {
    /// Opens the host's standard output.
    pub fn stdout() -> Self {
        Self(hio::hstdout().ok())
    }

    /// Writes `s`.
    pub fn str(&mut self, s: &str) -> &mut Self {
        if let Some(h) = self.0.as_mut() {
            let _ = h.write_all(s.as_bytes());
        }
        self
    }

    /// Writes `n` in decimal.
    pub fn u32(&mut self, mut n: u32) -> &mut Self {
        let mut buf = [0u8; 10];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes(&buf[i..])
    }

    /// Writes a count (counts in the check are far below 2^32).
    pub fn count(&mut self, n: u64) -> &mut Self {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Writes `n` as `0x` and eight hex digits.
    pub fn hex(&mut self, n: u32) -> &mut Self {
        let mut buf = *b"0x00000000";
        for (k, b) in buf[2..].iter_mut().enumerate() {
            let d = (n >> (28 - 4 * k)) & 0xf;
            *b = if d < 10 {
                b'0' + d as u8
            } else {
                b'a' + (d - 10) as u8
            };
        }
        self.bytes(&buf)
    }

    /// Writes `x` with six decimals (the last one may be off by one: the
    /// scaling is done in `f32`), then its bit pattern in brackets.
    pub fn f32(&mut self, x: f32) -> &mut Self {
        if !x.is_finite() {
            self.str(if x.is_nan() { "NaN" } else { "inf" });
        } else {
            if x.is_sign_negative() {
                self.str("-");
            }
            let a = if x < 0.0 { -x } else { x };
            let whole = if a < 4.0e9 { a as u32 } else { u32::MAX };
            let mut micro = ((a - whole as f32) * 1.0e6 + 0.5) as u32;
            let whole = if micro >= 1_000_000 {
                micro -= 1_000_000;
                whole.saturating_add(1)
            } else {
                whole
            };
            self.u32(whole).str(".");
            let mut digits = *b"000000";
            for d in digits.iter_mut().rev() {
                *d = b'0' + (micro % 10) as u8;
                micro /= 10;
            }
            self.bytes(&digits);
        }
        self.str(" [").hex(x.to_bits()).str("]")
    }

    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        if let Some(h) = self.0.as_mut() {
            let _ = h.write_all(b);
        }
        self
    }
}
