// A frame-budgeted engine-style use of the C interface: a game loop of
// ticks; every tick does its "other work" (here a toy physics step) and
// advances the landscape probe by at most K directions
// (pl_probe_advance_exact with max_directions = K), so that the probe never
// takes more than K objective evaluations' time out of a frame. Every N ticks
// it prints its progress; when the probe is done it prints the check's
// report lines (check.h's format: the same lines as check.c) and verifies
// that the summary equals a one-shot probe (all directions in one advance
// call) bit for bit; exits nonzero otherwise.
//
//   engine [K [N]]     (defaults: K = 4, N = 5)
//
// Progress lines start with "tick "; everything else is check.c's output.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "check.h"

namespace {

template <typename T, pl_status (*Free)(T **)>
struct deleter {
    void operator()(T *p) const noexcept {
        if (p != nullptr) Free(&p);
    }
};
using exact = std::unique_ptr<pl_exact, deleter<pl_exact, pl_exact_free>>;
using softmax = std::unique_ptr<pl_softmax, deleter<pl_softmax, pl_softmax_free>>;
using trainer_ptr = std::unique_ptr<pl_trainer, deleter<pl_trainer, pl_trainer_free>>;
using probe_ptr = std::unique_ptr<pl_probe, deleter<pl_probe, pl_probe_free>>;
using accumulator = std::unique_ptr<pl_accumulator, deleter<pl_accumulator, pl_accumulator_free>>;

void engine_emit(const char *line) {
    std::fputs(line, stdout);
    std::fputc('\n', stdout);
}

[[noreturn]] void engine_fail(pl_status st, const void *object) {
    pl_check_emit_error(engine_emit, st, object);
    std::exit(1);
}

void ok(pl_status st, const void *object) {
    if (st != PL_OK) engine_fail(st, object);
}

// Objects in caller memory (the pl_*_init path), for the one-shot probe.
struct caller_memory {
    std::vector<std::uint64_t> words;  // 8-byte aligned
    void *reserve(std::size_t bytes) {
        words.assign((bytes + 7) / 8, 0);
        return words.data();
    }
};

std::uint64_t real_bits(pl_real x) {
    if (sizeof x == 4) {
        std::uint32_t u;
        std::memcpy(&u, &x, sizeof u);
        return u;
    }
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

std::uint64_t double_bits(double x) {
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

// Field by field (the struct has padding), every scalar by its bits.
bool same_bits(const pl_summary &a, const pl_summary &b) {
    const pl_cases &x = a.cases, &y = b.cases;
    return a.count == b.count && a.dim == b.dim && real_bits(a.alpha) == real_bits(b.alpha) && real_bits(a.base) == real_bits(b.base) &&
           real_bits(a.gradient_mean) == real_bits(b.gradient_mean) &&
           real_bits(a.gradient_variance) == real_bits(b.gradient_variance) &&
           real_bits(a.curvature_mean) == real_bits(b.curvature_mean) &&
           real_bits(a.curvature_variance) == real_bits(b.curvature_variance) && x.total == y.total &&
           x.both_negative == y.both_negative && x.both_positive == y.both_positive &&
           x.opposite == y.opposite && x.both_zero == y.both_zero &&
           x.zero_and_negative == y.zero_and_negative &&
           x.zero_and_positive == y.zero_and_positive &&
           x.curvature_negative == y.curvature_negative &&
           x.curvature_positive == y.curvature_positive && a.verdict.kind == b.verdict.kind &&
           a.verdict.support == b.verdict.support && a.verdict.directions == b.verdict.directions &&
           double_bits(a.verdict.fraction) == double_bits(b.verdict.fraction) &&
           double_bits(a.verdict.interval_low) == double_bits(b.verdict.interval_low) &&
           double_bits(a.verdict.interval_high) == double_bits(b.verdict.interval_high);
}

// The "other work" of a frame: a damped spring, integrated at 60 Hz.
struct world {
    double x = 1.0, v = 0.0;
    void step() {
        const double dt = 1.0 / 60.0;
        v += (-4.0 * x - 0.5 * v) * dt;
        x += v * dt;
    }
};

}  // namespace

int main(int argc, char **argv) {
    const std::uint64_t k = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4;
    const unsigned long every = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 5;
    if (k == 0 || every == 0) {
        std::fprintf(stderr, "usage: engine [K >= 1 [N >= 1]]\n");
        return 2;
    }
    pl_check_emit_real_kind(engine_emit);
    if (pl_check_real_size(engine_emit) != 0) return 1;

    // Loading: the world, the policy, its training (check.h's steps 1-2).
    pl_exact *raw_ex = nullptr;
    ok(pl_exact_new_paper(&raw_ex), nullptr);
    exact ex(raw_ex);
    pl_softmax *raw_policy = nullptr;
    ok(pl_softmax_new(PL_CHECK_STATES, PL_CHECK_ACTIONS, false, &raw_policy), nullptr);
    softmax policy(raw_policy);
    pl_trainer *raw_trainer = nullptr;
    ok(pl_trainer_new(PL_CHECK_STEP, PL_CHECK_TAU, PL_CHECK_TAU_DECAY, &raw_trainer), nullptr);
    trainer_ptr tr(raw_trainer);
    pl_check_report report{};
    const void *failed = nullptr;
    ok(pl_check_train(ex.get(), policy.get(), tr.get(), &report, &failed), failed);

    std::size_t dim = 0;
    ok(pl_softmax_params_len(policy.get(), &dim), policy.get());
    pl_probe *raw_probe = nullptr;
    ok(pl_probe_new(dim, &raw_probe), nullptr);
    probe_ptr pr(raw_probe);
    pl_accumulator *raw_acc = nullptr;
    ok(pl_accumulator_new(&raw_acc), nullptr);
    accumulator acc(raw_acc);
    ok(pl_check_probe_start(pr.get(), ex.get(), policy.get(), acc.get(), &failed), failed);

    // The game loop: K directions a tick besides the world's step.
    world w;
    std::uint64_t remaining = PL_CHECK_DIRECTIONS;
    unsigned long tick = 0;
    double worst_ms = 0.0;
    while (remaining != 0) {
        ++tick;
        w.step();
        auto t0 = std::chrono::steady_clock::now();
        ok(pl_probe_advance_exact(pr.get(), ex.get(), acc.get(), k, &remaining), pr.get());
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (ms > worst_ms) worst_ms = ms;
        if (tick % every == 0 || remaining == 0) {
            pl_summary s;
            ok(pl_accumulator_summary(acc.get(), &s), acc.get());
            std::printf("tick %lu: %llu/%u directions, %llu left, cases opposite=%llu both_negative=%llu\n",
                        tick, (unsigned long long)s.count, PL_CHECK_DIRECTIONS,
                        (unsigned long long)remaining, (unsigned long long)s.cases.opposite,
                        (unsigned long long)s.cases.both_negative);
        }
    }
    ok(pl_accumulator_summary(acc.get(), &report.summary), acc.get());
    std::fprintf(stderr, "engine: %lu ticks of at most %llu directions, slowest probe share of a tick %.3f ms\n",
                 tick, (unsigned long long)k, worst_ms);
    pl_check_emit_report(engine_emit, &report);

    // The same probe in one advance call, its objects in caller memory.
    caller_memory probe_mem, acc_mem;
    std::size_t needed = 0;
    pl_probe *one_probe = nullptr;
    pl_accumulator *one_acc = nullptr;
    if (pl_probe_init(nullptr, 0, dim, &needed, &one_probe) != PL_ERR_BUFFER_TOO_SMALL) engine_fail(PL_ERR_STATE, nullptr);
    ok(pl_probe_init(probe_mem.reserve(needed), needed, dim, nullptr, &one_probe), nullptr);
    if (pl_accumulator_init(nullptr, 0, &needed, &one_acc) != PL_ERR_BUFFER_TOO_SMALL) engine_fail(PL_ERR_STATE, nullptr);
    ok(pl_accumulator_init(acc_mem.reserve(needed), needed, nullptr, &one_acc), nullptr);
    pl_check_report once{};
    ok(pl_check_probe_start(one_probe, ex.get(), policy.get(), one_acc, &failed), failed);
    ok(pl_check_probe_finish(one_probe, ex.get(), one_acc, PL_CHECK_DIRECTIONS, &once, &failed), failed);
    ok(pl_accumulator_deinit(one_acc), nullptr);
    ok(pl_probe_deinit(one_probe), nullptr);

    if (!same_bits(report.summary, once.summary)) {
        std::printf("FAIL: the framed probe (%llu a tick) differs from the one-shot probe:\n",
                    (unsigned long long)k);
        pl_check_emit_report(engine_emit, &once);
        return 1;
    }
    std::fprintf(stderr, "engine: framed summary == one-shot summary, bit for bit\n");
    return std::fflush(stdout) == 0 ? 0 : 2;
}
