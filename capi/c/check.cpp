// The firmware check (check.h) from C++, as an engine would use the C
// interface: the objects on the heap (pl_*_new) owned by unique_ptrs whose
// deleters call pl_*_free, the check's steps from check.h, the same lines on
// stdout as check.c.
//
//   g++ -std=c++17 -I capi/include -I capi/c capi/c/check.cpp
//       capi/target/release/libpolicy_landscape_c.a -lpthread -ldl -lm
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "check.h"

namespace pl {

// The status as an exception, with the library's message and detail.
struct error : std::runtime_error {
    pl_status code;
    error(pl_status c, const void *object)
        : std::runtime_error(describe(c, object)), code(c) {}
    static std::string describe(pl_status c, const void *object) {
        std::string s = std::to_string(c) + " " + pl_status_message(c);
        if (object != nullptr) {
            char detail[256];
            if (pl_last_error(object, detail, sizeof detail) > 0) {
                s += " ";
                s += detail;
            }
        }
        return s;
    }
};

inline void check(pl_status st, const void *object = nullptr) {
    if (st != PL_OK) throw error(st, object);
}

// unique_ptr<T, deleter<T, pl_T_free>>: the free function takes T**.
template <typename T, pl_status (*Free)(T **)>
struct deleter {
    void operator()(T *p) const noexcept {
        if (p != nullptr) Free(&p);  // never fails on a live object
    }
};
template <typename T, pl_status (*Free)(T **)>
using handle = std::unique_ptr<T, deleter<T, Free>>;

using exact = handle<pl_exact, pl_exact_free>;
using softmax = handle<pl_softmax, pl_softmax_free>;
using trainer = handle<pl_trainer, pl_trainer_free>;
using probe = handle<pl_probe, pl_probe_free>;
using accumulator = handle<pl_accumulator, pl_accumulator_free>;

// Calls a pl_*_new(args..., T **out) and wraps its object.
template <typename H, typename F, typename... Args>
H make(F new_fn, Args... args) {
    typename H::pointer raw = nullptr;
    check(new_fn(args..., &raw));
    return H(raw);
}

}  // namespace pl

static void emit(const char *line) {
    std::fputs(line, stdout);
    std::fputc('\n', stdout);
}

int main() {
    pl_check_emit_real_kind(emit);
    if (pl_check_real_size(emit) != 0) return 1;
    try {
        auto ex = pl::make<pl::exact>(pl_exact_new_paper);
        auto policy = pl::make<pl::softmax>(pl_softmax_new, std::size_t{PL_CHECK_STATES},
                                            std::size_t{PL_CHECK_ACTIONS}, false);
        auto trainer = pl::make<pl::trainer>(pl_trainer_new, PL_CHECK_STEP, PL_CHECK_TAU,
                                             PL_CHECK_TAU_DECAY);
        std::size_t dim = 0;
        pl::check(pl_softmax_params_len(policy.get(), &dim), policy.get());
        auto probe = pl::make<pl::probe>(pl_probe_new, dim);
        auto acc = pl::make<pl::accumulator>(pl_accumulator_new);

        pl_check_report r{};
        const void *failed = nullptr;
        pl::check(pl_check_train(ex.get(), policy.get(), trainer.get(), &r, &failed), failed);
        pl::check(pl_check_probe_start(probe.get(), ex.get(), policy.get(), acc.get(), &failed), failed);
        pl::check(pl_check_probe_finish(probe.get(), ex.get(), acc.get(), 0, &r, &failed), failed);
        pl_check_emit_report(emit, &r);
    } catch (const pl::error &e) {
        std::printf("error %s\n", e.what());
        return 1;
    }
    return std::fflush(stdout) == 0 ? 0 : 2;
}
