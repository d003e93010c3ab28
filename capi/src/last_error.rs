//! `pl_last_error`: the detail of any object's last error, as text.

use core::ffi::c_char;
use core::fmt::{self, Write as _};

use crate::accumulator::AccObj;
use crate::exact::ExactObj;
use crate::ffi::{self, Object};
use crate::gaussian::GaussianObj;
use crate::probe::ProbeObj;
use crate::softmax::SoftmaxObj;
use crate::status::Res;
use crate::trainer::TrainerObj;

/// The magic numbers of all kinds: `pl_last_error` takes any.
const KINDS: [u32; 6] = [
    ExactObj::MAGIC,
    SoftmaxObj::MAGIC,
    GaussianObj::MAGIC,
    TrainerObj::MAGIC,
    AccObj::MAGIC,
    ProbeObj::MAGIC,
];

/// Writes as much of a message as fits into a C buffer, NUL-terminated, and
/// counts the whole.
struct CBuf<'a> {
    buf: &'a mut [u8],
    written: usize,
    total: usize,
}

impl fmt::Write for CBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            // Keep one byte for the NUL.
            if self.written.saturating_add(1) < self.buf.len() {
                if let Some(slot) = self.buf.get_mut(self.written) {
                    *slot = b;
                }
                self.written = self.written.saturating_add(1);
            }
            self.total = self.total.saturating_add(1);
        }
        Ok(())
    }
}

/// The detail of the last error `object` (a handle of any kind) returned,
/// written NUL-terminated into `buf` (at most `cap` bytes, truncated).
/// Returns the full message's length without the NUL, like `snprintf`; 0
/// when the object has had no error, or is NULL, misaligned or not a live
/// object (then `buf` is untouched). `buf` may be NULL with `cap` 0 to ask
/// the length.
///
/// # Safety
///
/// `object` is NULL or a handle of this library; `buf` is NULL or valid for
/// writes of `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pl_last_error(
    object: *const core::ffi::c_void,
    buf: *mut c_char,
    cap: usize,
) -> usize {
    let run = || -> Res<usize> {
        // SAFETY: the caller's contract.
        let head = unsafe { ffi::any_head(object.cast(), &KINDS, "object")? };
        let Some(detail) = head.last() else {
            return Ok(0);
        };
        let buf: &mut [u8] = if buf.is_null() || cap == 0 {
            &mut []
        } else {
            // SAFETY: the caller's contract.
            unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) }
        };
        let mut w = CBuf {
            buf,
            written: 0,
            total: 0,
        };
        let _ = write!(w, "{detail}");
        let end = w.written;
        if let Some(nul) = w.buf.get_mut(end) {
            *nul = 0;
        }
        Ok(w.total)
    };
    #[cfg(feature = "std")]
    let r = std::panic::catch_unwind(core::panic::AssertUnwindSafe(run)).unwrap_or(Ok(0));
    #[cfg(not(feature = "std"))]
    let r = run();
    r.unwrap_or(0)
}
