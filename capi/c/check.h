/* The firmware check of policy-landscape (tests/firmware/check.rs of the core
 * library) through the C interface, written once for the host and the device.
 *
 *   1. the paper's 5x5 gridworld (pl_exact_init_paper) and a tabular softmax
 *      policy drawn like torch's nn.Linear from xoshiro256++ seeded 2019;
 *   2. 300 exact gradient steps (pl_trainer: step 0.1, tau 0.1 decayed x0.99
 *      per step);
 *   3. 100 random directions (seed 2019, from index 0) of the true objective
 *      J (tau = 0) around the trained parameters at step alpha = 0.5, into an
 *      accumulator, and its verdict.
 *
 * Portable C99 (also valid C++): no heap, no stdio, no host-specific output.
 * pl_check_run() places every object in one static arena through the
 * pl_*_init functions and reports through a caller-supplied function, one
 * NUL-terminated line per call (without a newline):
 *
 *   real f32
 *   j_initial 0x4055353c 3.33137417e0
 *   j_final 0x409610df 4.68955946e0
 *   tau_final 0x3ba0b29c 4.90410440e-3
 *   j_tau_final 0x40ab5018 5.35352707e0
 *   gradient_mean 0xb9f26ae0 -4.62374650e-4
 *   curvature_mean 0xbb18d75c -2.33217236e-3
 *   cases total=100 both_negative=0 both_positive=0 opposite=86 both_zero=8 ...
 *   verdict Linear 86/100
 *
 * Every scalar is printed as its IEEE bits (8 hex digits for float, 16 for
 * double: these are what is compared) and then its value rounded to 9 (float)
 * or 17 (double) significant digits, as Rust's {:.8e} / {:.16e} print it
 * (exact decimal expansion, round half to even), computed here with integer
 * arithmetic only. On failure pl_check_run emits
 *   error <code> <pl_status_message(code)> <pl_last_error text>
 * and returns nonzero.
 *
 * Build: -I capi/include (the generated policy_landscape.h). For a library
 * built with feature f32, define PL_REAL_F32; PL_NO_HEAP hides the heap API
 * (nothing here uses it). PL_CHECK_ARENA_BYTES sizes pl_check_run's arena.
 */
#ifndef PL_CHECK_H
#define PL_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy_landscape.h"

/* The check's parameters (check.rs's constants). */
#define PL_CHECK_SEED 2019u
#define PL_CHECK_UPDATES 300
#define PL_CHECK_STEP ((pl_real)0.1)
#define PL_CHECK_TAU ((pl_real)0.1)
#define PL_CHECK_TAU_DECAY ((pl_real)0.99)
#define PL_CHECK_DIRECTIONS 100u
#define PL_CHECK_ALPHA ((pl_real)0.5)
#define PL_CHECK_STATES 26u
#define PL_CHECK_ACTIONS 4u

/* Bytes of pl_check_run's static arena (all five objects; on x86-64 the
 * check uses 14640 bytes in f32 and 22360 in f64). */
#ifndef PL_CHECK_ARENA_BYTES
#if defined(PL_REAL_F32)
#define PL_CHECK_ARENA_BYTES 16384u
#else
#define PL_CHECK_ARENA_BYTES 24576u
#endif
#endif

/* Longest line the check emits, with its NUL. */
#define PL_CHECK_LINE 256

typedef void (*pl_check_emit_fn)(const char *line);

/* What the check measured. */
typedef struct {
    pl_real j_initial;   /* J of the initial policy */
    pl_real j_final;     /* J after training */
    pl_real tau_final;   /* the trainer's tau after training */
    pl_real j_tau_final; /* J_tau after training, at tau_final */
    pl_summary summary;  /* the probe's accumulator */
} pl_check_report;

/* ---- formatting without stdio ------------------------------------------ */

/* A small string builder over a caller buffer of PL_CHECK_LINE bytes. */
typedef struct {
    char *buf;
    size_t len;
} pl_check_line;

static inline void pl_check_put(pl_check_line *l, const char *s) {
    while (*s != '\0' && l->len + 1 < PL_CHECK_LINE) {
        l->buf[l->len++] = *s++;
    }
    l->buf[l->len] = '\0';
}

static inline void pl_check_put_char(pl_check_line *l, char c) {
    char s[2];
    s[0] = c;
    s[1] = '\0';
    pl_check_put(l, s);
}

static inline void pl_check_put_u64(pl_check_line *l, uint64_t v) {
    char tmp[24];
    size_t n = sizeof tmp - 1;
    tmp[n] = '\0';
    do {
        tmp[--n] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    pl_check_put(l, tmp + n);
}

static inline void pl_check_put_i32(pl_check_line *l, int32_t v) {
    if (v < 0) {
        pl_check_put_char(l, '-');
        pl_check_put_u64(l, (uint64_t)(-(int64_t)v));
    } else {
        pl_check_put_u64(l, (uint64_t)v);
    }
}

/* 0x and `digits` lower-case hex digits. */
static inline void pl_check_put_hex(pl_check_line *l, uint64_t v, int digits) {
    static const char hex[] = "0123456789abcdef";
    char tmp[20];
    int i;
    tmp[0] = '0';
    tmp[1] = 'x';
    for (i = 0; i < digits; i++) {
        tmp[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 0xfu];
    }
    tmp[2 + digits] = '\0';
    pl_check_put(l, tmp);
}

/* Big unsigned integers of 32-bit words, least significant first: enough
 * for mantissa * 5^1074 (a double's smallest exponent; about 2550 bits). */
#define PL_CHECK_BIG_WORDS 84

typedef struct {
    uint32_t w[PL_CHECK_BIG_WORDS];
    int n; /* words in use; 0 is zero */
} pl_check_big;

static inline void pl_check_big_mul_small(pl_check_big *b, uint32_t m) {
    uint64_t carry = 0;
    int i;
    for (i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry != 0u && b->n < PL_CHECK_BIG_WORDS) {
        b->w[b->n++] = (uint32_t)carry;
    }
}

/* Divides b by d in place, returns the remainder. */
static inline uint32_t pl_check_big_div_small(pl_check_big *b, uint32_t d) {
    uint64_t rem = 0;
    int i;
    for (i = b->n - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | b->w[i];
        b->w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    while (b->n > 0 && b->w[b->n - 1] == 0u) {
        b->n--;
    }
    return (uint32_t)rem;
}

/* The value mant * 2^exp2 (mant != 0) rounded to `sig` significant digits
 * (sig <= 17), as Rust's {:.<sig-1>e}: d.ddd...e<exp>, half to even. */
static inline void pl_check_put_sci(pl_check_line *l, uint64_t mant, int exp2, int sig) {
    pl_check_big b;
    /* Up to 86 chunks of 9 decimal digits, least significant first. */
    uint32_t chunk[PL_CHECK_BIG_WORDS + 4];
    int chunks = 0, k = 0, i, total, dexp;
    char digits[24];
    int have = 0, next = -1, sticky = 0;
    char out[32];
    int o = 0;

    b.n = 0;
    b.w[b.n++] = (uint32_t)mant;
    if ((mant >> 32) != 0u) {
        b.w[b.n++] = (uint32_t)(mant >> 32);
    }
    if (exp2 >= 0) {
        for (i = 0; i < exp2; i++) {
            pl_check_big_mul_small(&b, 2u);
        }
    } else {
        /* mant * 2^exp2 = mant * 5^-exp2 / 10^-exp2 */
        k = -exp2;
        for (i = 0; i < k; i++) {
            pl_check_big_mul_small(&b, 5u);
        }
    }
    while (b.n > 0 && chunks < PL_CHECK_BIG_WORDS + 4) {
        chunk[chunks++] = pl_check_big_div_small(&b, 1000000000u);
    }
    /* Walk the decimal digits from the most significant one. */
    total = 0;
    for (i = chunks - 1; i >= 0; i--) {
        uint32_t c = chunk[i];
        char d9[9];
        int j, start = 0;
        for (j = 8; j >= 0; j--) {
            d9[j] = (char)('0' + (int)(c % 10u));
            c /= 10u;
        }
        if (i == chunks - 1) {
            while (start < 8 && d9[start] == '0') {
                start++;
            }
        }
        for (j = start; j < 9; j++) {
            if (have < sig) {
                digits[have++] = d9[j];
            } else if (next < 0) {
                next = d9[j] - '0';
            } else if (d9[j] != '0') {
                sticky = 1;
            }
            total++;
        }
    }
    while (have < sig) {
        digits[have++] = '0';
    }
    if (next < 0) {
        next = 0;
    }
    dexp = total - 1 - k;
    if (next > 5 || (next == 5 && (sticky || ((digits[sig - 1] - '0') & 1)))) {
        i = sig - 1;
        while (i >= 0 && digits[i] == '9') {
            digits[i] = '0';
            i--;
        }
        if (i >= 0) {
            digits[i]++;
        } else {
            digits[0] = '1'; /* 9.99..9 -> 1.00..0 e+1 */
            dexp++;
        }
    }
    out[o++] = digits[0];
    if (sig > 1) {
        out[o++] = '.';
        for (i = 1; i < sig; i++) {
            out[o++] = digits[i];
        }
    }
    out[o++] = 'e';
    out[o] = '\0';
    pl_check_put(l, out);
    pl_check_put_i32(l, dexp);
}

/* `0x<bits> <decimal>` of a float or double given by its bits. */
static inline void pl_check_put_ieee(pl_check_line *l, uint64_t bits, int is_double) {
    int mant_bits = is_double ? 52 : 23;
    int exp_bits = is_double ? 11 : 8;
    int bias = is_double ? 1023 : 127;
    uint64_t mant = bits & ((((uint64_t)1) << mant_bits) - 1u);
    int e = (int)((bits >> mant_bits) & ((((uint64_t)1) << exp_bits) - 1u));
    int neg = (int)((bits >> (mant_bits + exp_bits)) & 1u);
    int sig = is_double ? 17 : 9;
    pl_check_put_hex(l, bits, is_double ? 16 : 8);
    pl_check_put_char(l, ' ');
    if (e == (1 << exp_bits) - 1) {
        pl_check_put(l, mant != 0u ? "NaN" : (neg ? "-inf" : "inf"));
        return;
    }
    if (neg) {
        pl_check_put_char(l, '-');
    }
    if (e == 0 && mant == 0u) {
        int i;
        pl_check_put(l, "0.");
        for (i = 1; i < sig; i++) {
            pl_check_put_char(l, '0');
        }
        pl_check_put(l, "e0");
        return;
    }
    if (e == 0) {
        e = 1; /* subnormal */
    } else {
        mant |= ((uint64_t)1) << mant_bits;
    }
    pl_check_put_sci(l, mant, e - bias - mant_bits, sig);
}

static inline void pl_check_put_real(pl_check_line *l, pl_real x) {
    if (sizeof(pl_real) == sizeof(uint32_t)) {
        uint32_t u;
        memcpy(&u, &x, sizeof u);
        pl_check_put_ieee(l, u, 0);
    } else {
        uint64_t u;
        memcpy(&u, &x, sizeof u);
        pl_check_put_ieee(l, u, 1);
    }
}

static inline void pl_check_emit_real(pl_check_emit_fn emit, const char *name, pl_real x) {
    char buf[PL_CHECK_LINE];
    pl_check_line l;
    l.buf = buf;
    l.len = 0;
    pl_check_put(&l, name);
    pl_check_put_char(&l, ' ');
    pl_check_put_real(&l, x);
    emit(buf);
}

/* `error <code> <message> <detail>`: `object` is the object whose call
 * failed (NULL if none: then no detail). */
static inline void pl_check_emit_error(pl_check_emit_fn emit, pl_status code, const void *object) {
    char buf[PL_CHECK_LINE];
    char detail[160];
    pl_check_line l;
    size_t n = 0;
    l.buf = buf;
    l.len = 0;
    detail[0] = '\0';
    if (object != NULL) {
        n = pl_last_error(object, detail, sizeof detail);
    }
    pl_check_put(&l, "error ");
    pl_check_put_i32(&l, code);
    pl_check_put_char(&l, ' ');
    pl_check_put(&l, pl_status_message(code));
    if (n > 0u) {
        pl_check_put_char(&l, ' ');
        pl_check_put(&l, detail);
    }
    emit(buf);
}

/* `real f32` or `real f64` (the scalar this program was compiled for). */
static inline void pl_check_emit_real_kind(pl_check_emit_fn emit) {
    emit(sizeof(pl_real) == 4 ? "real f32" : "real f64");
}

/* The report's lines (after `real ...`). */
static inline void pl_check_emit_report(pl_check_emit_fn emit, const pl_check_report *r) {
    char buf[PL_CHECK_LINE];
    pl_check_line l;
    const pl_cases *c = &r->summary.cases;
    const pl_verdict *v = &r->summary.verdict;
    const char *name = pl_verdict_name(v->kind);
    pl_check_emit_real(emit, "j_initial", r->j_initial);
    pl_check_emit_real(emit, "j_final", r->j_final);
    pl_check_emit_real(emit, "tau_final", r->tau_final);
    pl_check_emit_real(emit, "j_tau_final", r->j_tau_final);
    pl_check_emit_real(emit, "gradient_mean", r->summary.gradient_mean);
    pl_check_emit_real(emit, "curvature_mean", r->summary.curvature_mean);
    l.buf = buf;
    l.len = 0;
    pl_check_put(&l, "cases total=");
    pl_check_put_u64(&l, c->total);
    pl_check_put(&l, " both_negative=");
    pl_check_put_u64(&l, c->both_negative);
    pl_check_put(&l, " both_positive=");
    pl_check_put_u64(&l, c->both_positive);
    pl_check_put(&l, " opposite=");
    pl_check_put_u64(&l, c->opposite);
    pl_check_put(&l, " both_zero=");
    pl_check_put_u64(&l, c->both_zero);
    pl_check_put(&l, " zero_and_negative=");
    pl_check_put_u64(&l, c->zero_and_negative);
    pl_check_put(&l, " zero_and_positive=");
    pl_check_put_u64(&l, c->zero_and_positive);
    pl_check_put(&l, " curvature_negative=");
    pl_check_put_u64(&l, c->curvature_negative);
    pl_check_put(&l, " curvature_positive=");
    pl_check_put_u64(&l, c->curvature_positive);
    emit(buf);
    l.len = 0;
    pl_check_put(&l, "verdict ");
    pl_check_put(&l, name != NULL ? name : "?");
    pl_check_put_char(&l, ' ');
    pl_check_put_u64(&l, v->support);
    pl_check_put_char(&l, '/');
    pl_check_put_u64(&l, v->directions);
    emit(buf);
}

/* ---- the check's steps on objects the caller made ----------------------- */

/* 1-2: draws the policy's parameters (seed 2019), J before, 300 trainer
 * steps, J and J_tau after. The trainer must be fresh (0.1, 0.1, 0.99).
 * On error returns its code and sets *failed to the object that failed. */
static inline pl_status pl_check_train(pl_exact *ex, pl_softmax *policy, pl_trainer *trainer,
                                       pl_check_report *r, const void **failed) {
    pl_status st;
    int i;
    *failed = policy;
    st = pl_softmax_init_like_torch(policy, PL_CHECK_SEED);
    if (st != PL_OK) return st;
    *failed = ex;
    st = pl_exact_objective(ex, policy, (pl_real)0, &r->j_initial);
    if (st != PL_OK) return st;
    *failed = trainer;
    for (i = 0; i < PL_CHECK_UPDATES; i++) {
        st = pl_trainer_step(trainer, ex, policy, NULL);
        if (st != PL_OK) return st;
    }
    st = pl_trainer_tau(trainer, &r->tau_final);
    if (st != PL_OK) return st;
    *failed = ex;
    st = pl_exact_objective(ex, policy, (pl_real)0, &r->j_final);
    if (st != PL_OK) return st;
    st = pl_exact_objective(ex, policy, r->tau_final, &r->j_tau_final);
    if (st != PL_OK) return st;
    *failed = NULL;
    return PL_OK;
}

/* 3: starts the probe of J around the policy's parameters. */
static inline pl_status pl_check_probe_start(pl_probe *probe, pl_exact *ex, const pl_softmax *policy,
                                             pl_accumulator *acc, const void **failed) {
    *failed = probe;
    return pl_probe_start_exact(probe, ex, policy, (pl_real)0, PL_CHECK_ALPHA, PL_CHECK_SEED, 0u,
                                PL_CHECK_DIRECTIONS, acc);
}

/* 3: runs the started probe to its end, `per_call` directions an advance
 * (0: all in one call), and reads the accumulator's summary. */
static inline pl_status pl_check_probe_finish(pl_probe *probe, pl_exact *ex, pl_accumulator *acc,
                                              uint64_t per_call, pl_check_report *r,
                                              const void **failed) {
    pl_status st;
    uint64_t remaining = 1;
    if (per_call == 0u) {
        per_call = UINT64_MAX;
    }
    *failed = probe;
    while (remaining != 0u) {
        st = pl_probe_advance_exact(probe, ex, acc, per_call, &remaining);
        if (st != PL_OK) return st;
    }
    *failed = acc;
    st = pl_accumulator_summary(acc, &r->summary);
    if (st != PL_OK) return st;
    *failed = NULL;
    return PL_OK;
}

/* The whole check on the caller's objects; emits the lines (or an error
 * line); 0 on success. */
static inline int pl_check_with(pl_exact *ex, pl_softmax *policy, pl_trainer *trainer, pl_probe *probe,
                                pl_accumulator *acc, uint64_t per_call, pl_check_emit_fn emit) {
    pl_check_report r;
    const void *failed = NULL;
    pl_status st;
    memset(&r, 0, sizeof r);
    st = pl_check_train(ex, policy, trainer, &r, &failed);
    if (st == PL_OK) st = pl_check_probe_start(probe, ex, policy, acc, &failed);
    if (st == PL_OK) st = pl_check_probe_finish(probe, ex, acc, per_call, &r, &failed);
    if (st != PL_OK) {
        pl_check_emit_error(emit, st, failed);
        return 1;
    }
    pl_check_emit_report(emit, &r);
    return 0;
}

/* `error ...` when this program's pl_real is not the library's; 0 if same. */
static inline int pl_check_real_size(pl_check_emit_fn emit) {
    if (pl_real_size() != sizeof(pl_real)) {
        char buf[PL_CHECK_LINE];
        pl_check_line l;
        l.buf = buf;
        l.len = 0;
        pl_check_put(&l, "error ");
        pl_check_put_i32(&l, PL_ERR_INCOMPATIBLE);
        pl_check_put(&l, " sizeof(pl_real) is ");
        pl_check_put_u64(&l, (uint64_t)sizeof(pl_real));
        pl_check_put(&l, " here but ");
        pl_check_put_u64(&l, (uint64_t)pl_real_size());
        pl_check_put(&l, " in the library (define PL_REAL_F32 exactly for an f32 library)");
        emit(buf);
        return 1;
    }
    return 0;
}

/* ---- the check in a static arena ---------------------------------------- */

/* Carves `needed` bytes (found by asking the init with no memory) from the
 * arena, aligned to pl_align(). */
static inline unsigned char *pl_check_carve(unsigned char *arena, size_t cap, size_t *used, size_t needed) {
    size_t align = pl_align();
    size_t at = *used;
    if (align > 1u && at % align != 0u) {
        at += align - at % align;
    }
    if (at > cap || cap - at < needed) {
        return NULL;
    }
    *used = at + needed;
    return arena + at;
}

/* Bytes of the arena the last pl_check_run used (0 before). */
static inline size_t *pl_check_arena_used(void) {
    static size_t used = 0;
    return &used;
}

/* The error line for an init that found no room in the arena. */
static inline void pl_check_emit_arena(pl_check_emit_fn emit, size_t used, size_t needed) {
    char buf[PL_CHECK_LINE];
    pl_check_line l;
    l.buf = buf;
    l.len = 0;
    pl_check_put(&l, "error ");
    pl_check_put_i32(&l, PL_ERR_BUFFER_TOO_SMALL);
    pl_check_put_char(&l, ' ');
    pl_check_put(&l, pl_status_message(PL_ERR_BUFFER_TOO_SMALL));
    pl_check_put(&l, " arena of ");
    pl_check_put_u64(&l, (uint64_t)PL_CHECK_ARENA_BYTES);
    pl_check_put(&l, " bytes, ");
    pl_check_put_u64(&l, (uint64_t)used);
    pl_check_put(&l, " used, the next object needs ");
    pl_check_put_u64(&l, (uint64_t)needed);
    pl_check_put(&l, " (define PL_CHECK_ARENA_BYTES)");
    emit(buf);
}

/* The check: every object in a static arena, `per_call` directions per
 * probe advance (0: all at once). Emits `real ...` then the report (or an
 * error line); returns 0 on success. */
static inline int pl_check_run(uint64_t per_call, pl_check_emit_fn emit) {
    /* uint64_t: 8-byte alignment on every target (pl_align() is 8). */
    static uint64_t arena_words[(PL_CHECK_ARENA_BYTES + 7u) / 8u];
    unsigned char *arena = (unsigned char *)arena_words;
    const size_t cap = sizeof arena_words;
    size_t used = 0, needed = 0;
    unsigned char *mem;
    pl_exact *ex = NULL;
    pl_softmax *policy = NULL;
    pl_trainer *trainer = NULL;
    pl_probe *probe = NULL;
    pl_accumulator *acc = NULL;
    size_t dim = 0;
    pl_status st;
    const void *failed = NULL;
    int rc;

    pl_check_emit_real_kind(emit);
    if (pl_check_real_size(emit) != 0) {
        return 1;
    }

/* Asks an init its size (NULL, 0), carves it, inits in place; an init that
 * finds it too small after all (the exact evaluator's first answer is an
 * estimate until its plan is counted: at most three calls) gets the larger
 * size at the same place (nothing was carved after it). */
#define PL_CHECK_PLACE(ASK, INIT)                                           \
    do {                                                                    \
        size_t at = used;                                                   \
        int tries = 0;                                                      \
        failed = NULL;                                                      \
        needed = 0;                                                         \
        st = ASK;                                                           \
        if (st != PL_ERR_BUFFER_TOO_SMALL) {                                \
            if (st == PL_OK) st = PL_ERR_STATE; /* an init in no memory? */ \
            goto fail;                                                      \
        }                                                                   \
        for (;;) {                                                          \
            used = at;                                                      \
            mem = pl_check_carve(arena, cap, &used, needed);                \
            if (mem == NULL) {                                              \
                pl_check_emit_arena(emit, at, needed);                      \
                rc = 1;                                                     \
                goto end;                                                   \
            }                                                               \
            st = INIT;                                                      \
            if (st != PL_ERR_BUFFER_TOO_SMALL || ++tries == 3) break;       \
        }                                                                   \
        if (st != PL_OK) goto fail;                                         \
    } while (0)

    PL_CHECK_PLACE(pl_exact_init_paper(NULL, 0, &needed, &ex),
                   pl_exact_init_paper(mem, needed, &needed, &ex));
    PL_CHECK_PLACE(pl_softmax_init(NULL, 0, PL_CHECK_STATES, PL_CHECK_ACTIONS, false, &needed, &policy),
                   pl_softmax_init(mem, needed, PL_CHECK_STATES, PL_CHECK_ACTIONS, false, &needed, &policy));
    PL_CHECK_PLACE(pl_trainer_init(NULL, 0, PL_CHECK_STEP, PL_CHECK_TAU, PL_CHECK_TAU_DECAY, &needed, &trainer),
                   pl_trainer_init(mem, needed, PL_CHECK_STEP, PL_CHECK_TAU, PL_CHECK_TAU_DECAY, &needed, &trainer));
    failed = policy;
    st = pl_softmax_params_len(policy, &dim);
    if (st != PL_OK) goto fail;
    PL_CHECK_PLACE(pl_probe_init(NULL, 0, dim, &needed, &probe),
                   pl_probe_init(mem, needed, dim, &needed, &probe));
    PL_CHECK_PLACE(pl_accumulator_init(NULL, 0, &needed, &acc),
                   pl_accumulator_init(mem, needed, &needed, &acc));
#undef PL_CHECK_PLACE
    *pl_check_arena_used() = used;

    rc = pl_check_with(ex, policy, trainer, probe, acc, per_call, emit);
    goto end;

fail:
    pl_check_emit_error(emit, st, failed);
    rc = 1;
end:
    /* Deinit what was made, last first; a failing deinit is an error too. */
    if (acc != NULL && (st = pl_accumulator_deinit(acc)) != PL_OK && rc == 0) {
        pl_check_emit_error(emit, st, NULL);
        rc = 1;
    }
    if (probe != NULL && (st = pl_probe_deinit(probe)) != PL_OK && rc == 0) {
        pl_check_emit_error(emit, st, NULL);
        rc = 1;
    }
    if (trainer != NULL && (st = pl_trainer_deinit(trainer)) != PL_OK && rc == 0) {
        pl_check_emit_error(emit, st, NULL);
        rc = 1;
    }
    if (policy != NULL && (st = pl_softmax_deinit(policy)) != PL_OK && rc == 0) {
        pl_check_emit_error(emit, st, NULL);
        rc = 1;
    }
    if (ex != NULL && (st = pl_exact_deinit(ex)) != PL_OK && rc == 0) {
        pl_check_emit_error(emit, st, NULL);
        rc = 1;
    }
    return rc;
}

#endif /* PL_CHECK_H */
