//! The boundary, and the crate's only unsafe code: pointers from C checked
//! (NULL, alignment, length), objects found behind handles (a header with a
//! magic number per kind), caller memory carved into an object's regions,
//! panics stopped.
//!
//! Every object is a `#[repr(C)]` struct whose first field is a [`Head`],
//! placed at the start of memory the caller gave (or the heap), followed by
//! its arrays. An object's arrays are owned by it through [`Raw`] (one
//! region each, never shared) or borrowed immutably for its whole life (the
//! MDP's lists and the plan's indices, as `&'static` slices: they live as
//! long as the memory, which outlives the object by the C contract).

// The arena's offsets are checked (`checked_add`, `checked_mul`); the
// regions it hands out lie inside the memory it was given.
#![allow(clippy::arithmetic_side_effects)]

use core::cell::Cell;
use core::mem::{align_of, size_of};
use core::ptr;

use crate::pl_real;
use crate::status::{
    Detail, Fail, PL_ERR_BAD_HANDLE, PL_ERR_BUFFER_TOO_SMALL, PL_ERR_INVALID_ARGUMENT,
    PL_ERR_MISALIGNED, PL_ERR_NON_FINITE, PL_ERR_NULL, PL_OK, Res, pl_status,
};
use policy_landscape::Error;

/// The alignment every object's memory needs.
pub(crate) const ALIGN: usize = 8;

/// The alignment the memory of every object needs (8 bytes); `malloc`'s
/// memory always has it.
#[unsafe(no_mangle)]
pub extern "C" fn pl_align() -> usize {
    ALIGN
}

/// The value of `magic` once an object is ended.
const DEAD: u32 = 0xDEAD_0BEC;

/// The first field of every object.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct Head {
    magic: u32,
    /// On the heap (`pl_*_new`): `bytes` is its allocation.
    heap: bool,
    bytes: usize,
    /// The detail of the last error this object returned.
    last: Cell<Option<Detail>>,
}

impl Head {
    pub(crate) fn new(magic: u32, bytes: usize) -> Self {
        Head {
            magic,
            heap: false,
            bytes,
            last: Cell::new(None),
        }
    }
}

/// An object kind.
///
/// # Safety
///
/// The type is `#[repr(C)]` with a [`Head`] as its first field, its
/// alignment is at most [`ALIGN`], and `MAGIC` is unique among the kinds.
pub(crate) unsafe trait Object: Sized {
    /// The live object's `head.magic`.
    const MAGIC: u32;

    fn head(&self) -> &Head;

    /// Keeps the detail of `r`'s failure for `pl_last_error`; passes `r` on.
    fn record<R>(&self, r: Res<R>) -> Res<R> {
        if let Err(f) = &r {
            self.head().last.set(Some(f.detail));
        }
        r
    }
}

fn bad_handle(what: &'static str) -> Fail {
    Fail::new(PL_ERR_BAD_HANDLE, Detail::BadHandle(what))
}

/// Checks a pointer's NULL-ness and alignment.
fn check_ptr<X>(p: *const X, what: &'static str) -> Res<()> {
    if p.is_null() {
        Err(Fail::new(PL_ERR_NULL, Detail::Null(what)))
    } else if !(p as usize).is_multiple_of(align_of::<X>()) {
        Err(Fail::new(PL_ERR_MISALIGNED, Detail::Misaligned(what)))
    } else {
        Ok(())
    }
}

/// The magic number at the start of an object pointer.
///
/// # Safety
///
/// `p` is NULL or points to readable memory of at least a [`Head`].
unsafe fn magic_of(p: *const u8, what: &'static str) -> Res<u32> {
    check_ptr(p.cast::<Head>(), what)?;
    // SAFETY: aligned, non-null, readable (the caller's contract); `magic`
    // is the first field of a `#[repr(C)]` `Head`.
    Ok(unsafe { ptr::read(p.cast::<u32>()) })
}

/// The live object behind a handle.
///
/// # Safety
///
/// `p` is NULL or points to readable memory at least `size_of::<O>()` long
/// that, if it holds `O::MAGIC` at its start, holds an `O` not mutably
/// borrowed elsewhere.
pub(crate) unsafe fn live<'a, O: Object>(p: *const O, what: &'static str) -> Res<&'a O> {
    // SAFETY: the caller's contract.
    if unsafe { magic_of(p.cast(), what)? } != O::MAGIC {
        return Err(bad_handle(what));
    }
    // SAFETY: a live `O` (its magic), aligned.
    Ok(unsafe { &*p })
}

/// The live object behind a handle, mutably.
///
/// # Safety
///
/// As [`live`], and not borrowed elsewhere at all.
pub(crate) unsafe fn live_mut<'a, O: Object>(p: *mut O, what: &'static str) -> Res<&'a mut O> {
    // SAFETY: the caller's contract.
    if unsafe { magic_of(p.cast_const().cast(), what)? } != O::MAGIC {
        return Err(bad_handle(what));
    }
    // SAFETY: a live `O` (its magic), aligned, not borrowed elsewhere.
    Ok(unsafe { &mut *p })
}

/// Ends a caller-placed object (`pl_*_deinit`).
///
/// # Safety
///
/// As [`live_mut`].
pub(crate) unsafe fn deinit<O: Object>(p: *mut O, what: &'static str) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let obj = unsafe { live_mut(p, what)? };
        if obj.head().heap {
            return obj.record(Err(Fail::new(
                PL_ERR_BAD_HANDLE,
                Detail::State("this object is on the heap: end it with its pl_*_free"),
            )));
        }
        // SAFETY: `obj` is a live `O` whose header is its first field.
        unsafe { ptr::addr_of_mut!((*ptr::from_mut(obj).cast::<Head>()).magic).write(DEAD) };
        Ok(())
    })
}

/// Runs `f`, turning its failure into a code and a panic into
/// `PL_ERR_PANIC` (host builds; the bare-metal build has no unwinding).
pub(crate) fn guard(f: impl FnOnce() -> Res<()>) -> pl_status {
    #[cfg(feature = "std")]
    let r = std::panic::catch_unwind(core::panic::AssertUnwindSafe(f))
        .unwrap_or(Err(Fail::new(crate::status::PL_ERR_PANIC, Detail::Panic)));
    #[cfg(not(feature = "std"))]
    let r = f();
    match r {
        Ok(()) => PL_OK,
        Err(e) => e.status,
    }
}

/// A required output of one value, written by [`Out::put`] once the
/// result is known.
#[derive(Debug)]
pub(crate) struct Out<X>(*mut X);

impl<X> Out<X> {
    pub(crate) fn put(self, x: X) {
        // SAFETY: non-null, aligned, valid for writes (`out`'s contract);
        // written, never read.
        unsafe { self.0.write(x) }
    }
}

/// A required output.
///
/// # Safety
///
/// `p` is NULL or valid for writes of an `X` until the output is used.
pub(crate) unsafe fn out<X>(p: *mut X, what: &'static str) -> Res<Out<X>> {
    check_ptr(p, what)?;
    Ok(Out(p))
}

/// An optional output (NULL: not wanted).
///
/// # Safety
///
/// As [`out`].
pub(crate) unsafe fn out_opt<X>(p: *mut X, what: &'static str) -> Res<Option<Out<X>>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract.
    unsafe { out(p, what) }.map(Some)
}

fn length(what: &'static str, expected: usize, found: usize) -> Fail {
    Fail::from(Error::LengthMismatch {
        what,
        expected,
        found,
    })
}

/// An input array of `len` elements (NULL only when `len == 0`).
///
/// # Safety
///
/// `p` is NULL or valid for reads of `len` initialised `X`, not written
/// during the call.
pub(crate) unsafe fn input<'a, X>(p: *const X, len: usize, what: &'static str) -> Res<&'a [X]> {
    if len == 0 && p.is_null() {
        return Ok(&[]);
    }
    check_ptr(p, what)?;
    // SAFETY: the caller's contract; non-null and aligned.
    Ok(unsafe { core::slice::from_raw_parts(p, len) })
}

/// An input array that must hold exactly `expected` elements.
///
/// # Safety
///
/// As [`input`].
pub(crate) unsafe fn input_exact<'a, X>(
    p: *const X,
    len: usize,
    expected: usize,
    what: &'static str,
) -> Res<&'a [X]> {
    if len != expected {
        return Err(length(what, expected, len));
    }
    // SAFETY: the caller's contract.
    unsafe { input(p, len, what) }
}

/// An output array, written only once a result is complete (so that
/// nothing is written on error), element by element or all at once.
#[derive(Debug)]
pub(crate) struct OutSlice<X> {
    ptr: *mut X,
    len: usize,
}

impl<X: Copy> OutSlice<X> {
    /// Writes `x` at `i` (ignored past the end: callers write each index
    /// below `len` exactly once).
    pub(crate) fn set(&mut self, i: usize, x: X) {
        if i < self.len {
            // SAFETY: the array is valid for writes of `len` `X` (the
            // contract of `output_opt`), `i < len`.
            unsafe { self.ptr.add(i).write(x) }
        }
    }

    /// Writes `src` (as long as the array; the callers check it).
    pub(crate) fn copy_from(&mut self, src: &[X]) {
        for (i, &x) in src.iter().enumerate() {
            self.set(i, x);
        }
    }
}

/// An input array of exactly `expected` finite numbers.
///
/// # Safety
///
/// As [`input`].
pub(crate) unsafe fn input_finite<'a>(
    p: *const pl_real,
    len: usize,
    expected: usize,
    what: &'static str,
) -> Res<&'a [pl_real]> {
    // SAFETY: the caller's contract.
    let xs = unsafe { input_exact(p, len, expected, what)? };
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFinite { what, index }.into()),
        None => Ok(xs),
    }
}

/// An optional output array (NULL: not wanted) that must hold exactly
/// `expected` elements.
///
/// # Safety
///
/// `p` is NULL or valid for writes of `len` `X` until the output is
/// dropped.
pub(crate) unsafe fn output_opt<X: Copy>(
    p: *mut X,
    len: usize,
    expected: usize,
    what: &'static str,
) -> Res<Option<OutSlice<X>>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's contract.
    unsafe { output(p, len, expected, what) }.map(Some)
}

/// A required output array of exactly `expected` elements.
///
/// # Safety
///
/// As [`output_opt`].
pub(crate) unsafe fn output<X: Copy>(
    p: *mut X,
    len: usize,
    expected: usize,
    what: &'static str,
) -> Res<OutSlice<X>> {
    check_ptr(p, what)?;
    if len != expected {
        return Err(length(what, expected, len));
    }
    Ok(OutSlice { ptr: p, len })
}

/// A finite scalar argument.
pub(crate) fn finite(x: pl_real, what: &'static str) -> Res<pl_real> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Fail::new(
            PL_ERR_NON_FINITE,
            Detail::Core(Error::NonFinite { what, index: 0 }),
        ))
    }
}

/// An array owned by one object: a region of its memory, never shared.
#[derive(Debug)]
pub(crate) struct Raw<X> {
    ptr: *mut X,
    len: usize,
}

impl<X> Raw<X> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn slice(&self) -> &[X] {
        // SAFETY: a `Raw` is made only by `Arena::raw` over initialised
        // memory of `len` `X` that no one else references.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub(crate) fn slice_mut(&mut self) -> &mut [X] {
        // SAFETY: as `slice`; `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

/// The caller's memory, carved front to back. Counting goes on past the
/// end, so that a too-small (or NULL) buffer still learns the size needed.
#[derive(Debug)]
pub(crate) struct Arena {
    base: *mut u8,
    cap: usize,
    used: usize,
}

/// A region reserved in an [`Arena`], to be filled once the memory is known
/// to suffice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region<X> {
    offset: usize,
    len: usize,
    _x: core::marker::PhantomData<X>,
}

fn too_large() -> Fail {
    Fail::new(
        PL_ERR_INVALID_ARGUMENT,
        Detail::Core(Error::InvalidParameter {
            what: "object size",
            rule: "fit in the address space",
        }),
    )
}

impl Arena {
    /// The memory `mem` of `cap` bytes (NULL: none; only sizes are
    /// counted).
    ///
    /// # Errors
    ///
    /// `PL_ERR_MISALIGNED` if `mem` is not aligned to [`ALIGN`].
    pub(crate) fn new(mem: *mut u8, cap: usize) -> Res<Self> {
        if !(mem as usize).is_multiple_of(ALIGN) {
            return Err(Fail::new(PL_ERR_MISALIGNED, Detail::Misaligned("mem")));
        }
        let cap = if mem.is_null() { 0 } else { cap };
        Ok(Arena {
            base: mem,
            cap,
            used: 0,
        })
    }

    /// Reserves `n` elements of `X`.
    pub(crate) fn reserve<X>(&mut self, n: usize) -> Res<Region<X>> {
        const { assert!(align_of::<X>() <= ALIGN) };
        let offset = self
            .used
            .checked_next_multiple_of(align_of::<X>())
            .ok_or_else(too_large)?;
        let bytes = n.checked_mul(size_of::<X>()).ok_or_else(too_large)?;
        self.used = offset.checked_add(bytes).ok_or_else(too_large)?;
        Ok(Region {
            offset,
            len: n,
            _x: core::marker::PhantomData,
        })
    }

    /// Forgets the reservations made after `used` bytes (to reserve them
    /// again with other sizes).
    pub(crate) fn rewind(&mut self, used: usize) {
        self.used = self.used.min(used);
    }

    /// Bytes reserved so far.
    pub(crate) fn used(&self) -> usize {
        self.used
    }

    /// Whether everything reserved fits.
    pub(crate) fn fits(&self) -> bool {
        !self.base.is_null() && self.used <= self.cap
    }

    /// `PL_ERR_BUFFER_TOO_SMALL`, saying how many bytes are reserved (the
    /// callers of `init` report them as `*needed`).
    fn too_small(&self) -> Fail {
        Fail::new(
            PL_ERR_BUFFER_TOO_SMALL,
            Detail::TooSmall {
                needed: self.used,
                cap: self.cap,
            },
        )
    }

    /// `PL_ERR_BUFFER_TOO_SMALL` unless everything reserved fits.
    pub(crate) fn check(&self) -> Res<()> {
        if self.fits() {
            Ok(())
        } else {
            Err(self.too_small())
        }
    }

    /// The region's memory, each element set to `fill`.
    fn fill<X: Copy>(&self, r: Region<X>, fill: X) -> Res<*mut X> {
        if !self.fits()
            || r.offset
                .saturating_add(r.len.saturating_mul(size_of::<X>()))
                > self.cap
        {
            return Err(self.too_small());
        }
        // SAFETY: the region lies inside the caller's `cap` writable bytes
        // (checked above), aligned for `X` (base aligned to ALIGN >= align
        // of X, offset a multiple of align of X).
        unsafe {
            let p = self.base.add(r.offset).cast::<X>();
            for i in 0..r.len {
                p.add(i).write(fill);
            }
            Ok(p)
        }
    }

    /// The region as an array owned by one object.
    pub(crate) fn raw<X: Copy>(&self, r: Region<X>, fill: X) -> Res<Raw<X>> {
        Ok(Raw {
            ptr: self.fill(r, fill)?,
            len: r.len,
        })
    }

    /// The region as a mutable slice for the object's whole life (to be
    /// written once, then only read, by whoever it is handed to).
    pub(crate) fn slice<X: Copy>(&self, r: Region<X>, fill: X) -> Res<&'static mut [X]> {
        let p = self.fill(r, fill)?;
        // SAFETY: initialised by `fill`; the region is handed out once (each
        // `Region` is reserved once and used once by the constructors).
        Ok(unsafe { core::slice::from_raw_parts_mut(p, r.len) })
    }

    /// Writes the object at the region (its header at the start of the
    /// memory) and returns its pointer.
    pub(crate) fn place<O: Object>(&self, r: Region<O>, obj: O) -> Res<*mut O> {
        if r.len != 1 || !self.fits() {
            return Err(self.too_small());
        }
        // SAFETY: inside the memory, aligned (as in `fill`).
        unsafe {
            let p = self.base.add(r.offset).cast::<O>();
            p.write(obj);
            Ok(p)
        }
    }
}

/// The shared shape of every `pl_*_init`: checks `out`, runs `make` on the
/// caller's memory, reports `*needed` (on success and on
/// `PL_ERR_BUFFER_TOO_SMALL`) and `*out` (on success).
///
/// # Safety
///
/// `mem` is NULL or valid for writes of `cap` bytes; `needed` and `out`
/// are NULL or valid for writes.
pub(crate) unsafe fn init<O: Object>(
    mem: *mut core::ffi::c_void,
    cap: usize,
    needed: *mut usize,
    out_: *mut *mut O,
    make: impl FnOnce(&mut Arena) -> Res<*mut O>,
) -> pl_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let needed = unsafe { out_opt(needed, "needed")? };
        // SAFETY: the caller's contract.
        let out_ = unsafe { out(out_, "out")? };
        let mut arena = Arena::new(mem.cast(), cap)?;
        let r = make(&mut arena);
        // The bytes reserved are the answer on success and when too small
        // (every object reserves its header first, so they are never 0).
        let report = match &r {
            Ok(_) => true,
            Err(f) => f.status == PL_ERR_BUFFER_TOO_SMALL,
        };
        if let (Some(needed), true) = (needed, report) {
            needed.put(arena.used());
        }
        out_.put(r?);
        Ok(())
    })
}

/// The shared shape of every `pl_*_new`: sizes the object with a NULL
/// buffer, allocates, places it (again with the exact size when the first
/// attempt learned it), and marks it as the heap's.
///
/// # Safety
///
/// `out` is NULL or valid for writes.
#[cfg(feature = "std")]
pub(crate) unsafe fn new<O: Object>(
    out_: *mut *mut O,
    mut make: impl FnMut(&mut Arena) -> Res<*mut O>,
) -> pl_status {
    use std::alloc::{Layout, alloc, dealloc};
    guard(|| {
        // SAFETY: the caller's contract.
        let out_ = unsafe { out(out_, "out")? };
        let mut mem: *mut u8 = ptr::null_mut();
        let mut layout: Option<Layout> = None;
        let free = |mem: *mut u8, layout: Option<Layout>| {
            if let Some(l) = layout {
                // SAFETY: allocated just below with this layout.
                unsafe { dealloc(mem, l) }
            }
        };
        // Sizes grow at most twice (the exact planner reports the exact
        // length on the second attempt); a fourth round would be a bug.
        for _ in 0..4 {
            let mut arena = Arena::new(mem, layout.map_or(0, |l| l.size()))?;
            match make(&mut arena) {
                Ok(p) => {
                    // SAFETY: `p` is the live object just placed in `mem`.
                    unsafe {
                        let head = p.cast::<Head>();
                        (*head).heap = true;
                        (*head).bytes = layout.map_or(0, |l| l.size());
                    }
                    out_.put(p);
                    return Ok(());
                }
                Err(f) if f.status == PL_ERR_BUFFER_TOO_SMALL => {
                    free(mem, layout);
                    let bytes = arena.used().max(1);
                    let l = Layout::from_size_align(bytes, ALIGN).map_err(|_| too_large())?;
                    // SAFETY: a non-zero size.
                    mem = unsafe { alloc(l) };
                    if mem.is_null() {
                        return Err(Fail::new(
                            crate::status::PL_ERR_ALLOCATION,
                            Detail::Allocation(bytes),
                        ));
                    }
                    layout = Some(l);
                }
                Err(f) => {
                    free(mem, layout);
                    return Err(f);
                }
            }
        }
        free(mem, layout);
        Err(Fail::new(crate::status::PL_ERR_PANIC, Detail::Panic))
    })
}

/// The shared shape of every `pl_*_free`: frees `*obj` and sets it to NULL.
///
/// # Safety
///
/// `obj` is NULL or valid for reads and writes; `*obj` is NULL or as in
/// [`live_mut`].
#[cfg(feature = "std")]
pub(crate) unsafe fn free<O: Object>(obj: *mut *mut O, what: &'static str) -> pl_status {
    guard(|| {
        check_ptr(obj, what)?;
        // SAFETY: the caller's contract: readable and writable.
        let slot = unsafe { &mut *obj };
        // The allocation is freed through the pointer `new` returned (its
        // provenance covers the object's arrays, a reference to the header
        // does not).
        let raw = *slot;
        // SAFETY: the caller's contract.
        let o = unsafe { live_mut(raw, what)? };
        if !o.head().heap {
            return o.record(Err(Fail::new(
                PL_ERR_BAD_HANDLE,
                Detail::State("this object is in the caller's memory: end it with its pl_*_deinit"),
            )));
        }
        let bytes = o.head().bytes;
        let layout = std::alloc::Layout::from_size_align(bytes, ALIGN).map_err(|_| too_large())?;
        let p = raw.cast::<u8>();
        // SAFETY: a live heap object: allocated by `new` with this layout;
        // its magic is cleared first so that a stale copy of the pointer
        // reads as ended while the allocator has not reused the memory.
        unsafe {
            p.cast::<u32>().write(DEAD);
            std::alloc::dealloc(p, layout);
        }
        *slot = ptr::null_mut();
        Ok(())
    })
}

/// The header of a live object of any of `kinds` (their magic numbers).
///
/// # Safety
///
/// `p` is NULL or points to readable memory of at least a [`Head`] that, if
/// it holds one of `kinds` at its start, is a live object's.
pub(crate) unsafe fn any_head<'a>(
    p: *const u8,
    kinds: &[u32],
    what: &'static str,
) -> Res<&'a Head> {
    // SAFETY: the caller's contract.
    let magic = unsafe { magic_of(p, what)? };
    if !kinds.contains(&magic) {
        return Err(bad_handle(what));
    }
    // SAFETY: a live object of some kind: a `Head` first.
    Ok(unsafe { &*p.cast::<Head>() })
}

impl Head {
    /// The detail of the last error.
    pub(crate) fn last(&self) -> Option<Detail> {
        self.last.get()
    }
}

/// `PL_ERR_LENGTH` with the core's message.
pub(crate) fn length_error(what: &'static str, expected: usize, found: usize) -> Fail {
    length(what, expected, found)
}

/// `PL_ERR_INVALID_ARGUMENT` with a rule.
pub(crate) fn invalid(what: &'static str, rule: &'static str) -> Fail {
    Fail::from(Error::InvalidParameter { what, rule })
}

/// Calls the caller's objective on `theta`: its status and value.
pub(crate) fn call_objective(
    f: unsafe extern "C" fn(
        *mut core::ffi::c_void,
        *const pl_real,
        usize,
        *mut pl_real,
    ) -> pl_status,
    user: *mut core::ffi::c_void,
    theta: &[pl_real],
) -> (pl_status, pl_real) {
    let mut value: pl_real = 0.0;
    // SAFETY: `f` is safe to call with `user` and parameters of this length
    // (the contract of `pl_probe_start_fn`); `theta` is valid for reads and
    // `value` for writes during the call.
    let code = unsafe { f(user, theta.as_ptr(), theta.len(), &mut value) };
    (code, value)
}
