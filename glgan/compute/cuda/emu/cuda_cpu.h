// Vendored from ../shared/tools/cuda-cpu (the project's CUDA-on-CPU emulator) so that a fresh clone runs the
// kernel tests and the cudasim backend without ../shared. Keep changes here minimal and noted.
// cuda_cpu.h - compile an unchanged CUDA C kernel file with g++ -std=c++20 -pthread and run it on the CPU (tests).
// Include it first; its state is static (one kernel file per .so). Blocks run one after another, so a
// function-static array is the block's shared memory (__shared__ -> static).
// Default: every CUDA thread is a fiber (own stack, _setjmp/_longjmp), run in a fixed order until its next
//   __syncthreads / warp intrinsic: deterministic, fast, reports deadlocks; cuda_cpu_set_order() reverses or
//   shuffles that order, so a missing barrier changes the result.
// -DCUDA_CPU_THREADS: one std::thread per CUDA thread, std::barrier for __syncthreads (run under -fsanitize=thread).
// Warp intrinsics need every live lane of the warp (full-mask code); exited threads drop out of every barrier.
// Reading an exited/nonexistent lane (a full-mask shuffle in a partial warp) is undefined on a GPU: here it gives
// NaN (or junk) and counts in cuda_cpu::undefined_reads.
#pragma once
#undef _FORTIFY_SOURCE  // its __longjmp_chk refuses jumps between stacks
#include <math.h>
#include <setjmp.h>
#include <ucontext.h>
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#define __CUDA_CPU__ 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static
#define CUDA_DYN_SMEM(T, name) T* name = reinterpret_cast<T*>(cuda_cpu::dyn_smem.data())  // extern __shared__ T name[]
#ifndef CUDA_CPU_STACK
#define CUDA_CPU_STACK (256 << 10)
#endif

struct uint3 { unsigned x, y, z; };
struct dim3 { unsigned x, y, z; dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {} };
static thread_local uint3 threadIdx, blockIdx;
static dim3 blockDim, gridDim;
constexpr int warpSize = 32;

namespace cuda_cpu {
[[noreturn]] inline void fail(const char* m) { std::fprintf(stderr, "cuda_cpu: %s\n", m); std::abort(); }
struct Warp;
struct Snap { Warp* w; void operator()() noexcept; };
struct Warp {
  std::atomic<unsigned> live; unsigned snap;  // snap: live lanes when the last rendezvous completed
  unsigned long long slot[2][32];
#ifdef CUDA_CPU_THREADS
  std::barrier<Snap> bar;
  Warp(int n, unsigned m) : live(m), snap(m), bar(n, Snap{this}) {}
#else
  explicit Warp(int, unsigned m) : live(m), snap(m) {}
#endif
};
inline void Snap::operator()() noexcept { w->snap = w->live.load(); }
static std::vector<std::unique_ptr<Warp>> warps;
static std::vector<unsigned char> dyn_smem;
static thread_local unsigned lane_, warp_, parity_;
static std::atomic<long> undefined_reads{0};
static int order_mode = 0; static unsigned order_seed = 0;  // fibers: 0 forward, 1 reverse, 2 shuffled

#ifdef CUDA_CPU_THREADS
static std::unique_ptr<std::barrier<>> block_bar;
inline void block_wait() { block_bar->arrive_and_wait(); }
inline void warp_wait() { warps[warp_]->bar.arrive_and_wait(); }
template <class... P, std::size_t... I>
void run_block(unsigned n, uint3 bid, void (*k)(P...), void** a, std::index_sequence<I...>) {
  block_bar = std::make_unique<std::barrier<>>(n);
  std::vector<std::thread> ts;
  for (unsigned i = 0; i < n; i++) ts.emplace_back([=] {
    threadIdx = {i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)}; blockIdx = bid;
    lane_ = i % 32; warp_ = i / 32; parity_ = 0;
    k(*static_cast<P*>(a[I])...);
    warps[warp_]->live.fetch_and(~(1u << lane_)); warps[warp_]->bar.arrive_and_drop(); block_bar->arrive_and_drop();
  });
  for (auto& t : ts) t.join();
}
#else
enum { RUN, AT_BLOCK, AT_WARP, DONE };
struct Fiber { jmp_buf jb; ucontext_t uc; std::unique_ptr<char[]> stack; uint3 tid; unsigned lane, warp, parity; int state; };
static std::vector<Fiber> fibers;
static Fiber* cur;
static jmp_buf sched;
static ucontext_t boot;
static std::function<void()> body;
inline void park(int st) { cur->state = st; cur->parity = parity_; if (!_setjmp(cur->jb)) _longjmp(sched, 1); }
inline void block_wait() { park(AT_BLOCK); }
inline void warp_wait() { park(AT_WARP); }
inline void entry() {
  if (!_setjmp(cur->jb)) swapcontext(&cur->uc, &boot);  // parked until first scheduled
  body();
  cur->state = DONE; warps[cur->warp]->live &= ~(1u << cur->lane);
  _longjmp(sched, 1);
}
template <class... P, std::size_t... I>
void run_block(unsigned n, uint3 bid, void (*k)(P...), void** a, std::index_sequence<I...>) {
  body = [&] { k(*static_cast<P*>(a[I])...); };
  blockIdx = bid; fibers.resize(n);
  std::vector<unsigned> ord(n);
  for (unsigned i = 0; i < n; i++) {
    Fiber& f = fibers[i]; ord[i] = order_mode == 1 ? n - 1 - i : i;
    if (!f.stack) f.stack.reset(new char[CUDA_CPU_STACK]);
    f.tid = {i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)};
    f.lane = i % 32; f.warp = i / 32; f.parity = 0; f.state = RUN;
    getcontext(&f.uc); f.uc.uc_stack = {f.stack.get(), 0, CUDA_CPU_STACK}; f.uc.uc_link = nullptr;
    makecontext(&f.uc, entry, 0); cur = &f; swapcontext(&boot, &f.uc);
  }
  if (order_mode == 2) std::shuffle(ord.begin(), ord.end(), std::mt19937(order_seed + bid.x));
  for (;;) {
    for (unsigned i : ord) {
      Fiber& f = fibers[i];
      if (f.state != RUN) continue;
      cur = &f; threadIdx = f.tid; lane_ = f.lane; warp_ = f.warp; parity_ = f.parity;
      if (!_setjmp(sched)) _longjmp(f.jb, 1);
    }
    bool released = false, all_block = true, any_alive = false;
    for (auto& w : warps) {  // a warp rendezvous completes when all its live lanes wait at one
      unsigned wi = unsigned(&w - &warps[0]), at = 0, live = w->live;
      for (unsigned l = 0; l < 32 && wi * 32 + l < n; l++) if (fibers[wi * 32 + l].state == AT_WARP) at |= 1u << l;
      if (at && at == live) { w->snap = live; released = true; for (unsigned l = 0; l < 32; l++) if (at >> l & 1) fibers[wi * 32 + l].state = RUN; }
    }
    for (auto& f : fibers) if (f.state != DONE) { any_alive = true; if (f.state != AT_BLOCK) all_block = false; }
    if (!any_alive) break;
    if (!released && all_block) { released = true; for (auto& f : fibers) if (f.state == AT_BLOCK) f.state = RUN; }
    if (!released) fail("deadlock: threads wait at different barriers (__syncthreads or warp intrinsic in divergent code?)");
  }
}
#endif

inline unsigned meet(unsigned mask) {  // warp rendezvous; returns the live lanes
  warp_wait();
  unsigned s = warps[warp_]->snap;
  if ((mask & s) != s) fail("warp intrinsic: mask must name every live lane (partial masks not emulated)");
  return s;
}
template <class T> T poison() {
  if constexpr (std::numeric_limits<T>::has_quiet_NaN) return std::numeric_limits<T>::quiet_NaN();
  else return T(0x5eadbeef);
}
template <class T> T xchg(unsigned mask, T v, int src) {  // src < 0: own value
  static_assert(sizeof(T) <= 8);
  Warp& w = *warps[warp_];
  unsigned p = parity_ ^= 1;  // double buffer: one rendezvous per exchange suffices
  std::memcpy(&w.slot[p][lane_], &v, sizeof v);
  unsigned live = meet(mask);
  if (src < 0 || src == int(lane_)) return v;
  if (!(live >> src & 1)) { ++undefined_reads; return poison<T>(); }
  T r; std::memcpy(&r, &w.slot[p][src], sizeof r); return r;
}
template <class... P> void launch(dim3 g, dim3 b, std::size_t smem, void (*k)(P...), void** a) {
  gridDim = g; blockDim = b; dyn_smem.assign(smem, 0xFF);  // NaN-filled, like garbage
  const unsigned n = b.x * b.y * b.z;
  for (unsigned z = 0; z < g.z; z++) for (unsigned y = 0; y < g.y; y++) for (unsigned x = 0; x < g.x; x++) {
    warps.clear();
    for (unsigned w0 = 0; w0 < n; w0 += 32) {
      unsigned m = std::min(32u, n - w0);
      warps.push_back(std::make_unique<Warp>(m, m == 32 ? ~0u : (1u << m) - 1));
    }
    run_block(n, uint3{x, y, z}, k, a, std::index_sequence_for<P...>{});
  }
}
template <class T> std::string code() {  // argument signature, checked by the Python loader
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_pointer_v<U>) return "p" + code<std::remove_pointer_t<U>>();
  else if constexpr (std::is_integral_v<U> && sizeof(U) == 8) return std::is_signed_v<U> ? "q" : "Q";
  else return std::is_same_v<U, float> ? "f" : std::is_same_v<U, double> ? "d" : std::is_same_v<U, int> ? "i" : std::is_same_v<U, unsigned> ? "I" : "?";
}
template <class... P> std::string sig(void (*)(P...)) { std::string s; ((s += code<P>() + ","), ...); return s; }
}  // namespace cuda_cpu

// exports for ctypes: cpu_launch_<k>(grid[3], block[3], smem, void** args) as cuLaunchKernel takes them; cpu_sig_<k>()
#define CUDA_CPU_EXPORT(k)                                                                           \
  extern "C" void cpu_launch_##k(const unsigned* g, const unsigned* b, std::size_t smem, void** a) { \
    cuda_cpu::launch(dim3(g[0], g[1], g[2]), dim3(b[0], b[1], b[2]), smem, k, a); }                  \
  extern "C" const char* cpu_sig_##k() { static std::string s = cuda_cpu::sig(k); return s.c_str(); }
#define CUDA_CPU_MODULE()                                                                            \
  extern "C" long cuda_cpu_undefined_reads() { return cuda_cpu::undefined_reads.exchange(0); }       \
  extern "C" void cuda_cpu_set_order(int mode, unsigned seed) { cuda_cpu::order_mode = mode; cuda_cpu::order_seed = seed; }

inline void __syncthreads() { cuda_cpu::block_wait(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { cuda_cpu::meet(mask); }
inline unsigned __activemask() { return cuda_cpu::warps[cuda_cpu::warp_]->snap; }  // lanes at the last rendezvous
template <class T> T __shfl_sync(unsigned m, T v, int s, int w = 32) { return cuda_cpu::xchg(m, v, int(cuda_cpu::lane_ & ~(w - 1)) + (s & (w - 1))); }
template <class T> T __shfl_xor_sync(unsigned m, T v, int x, int w = 32) {
  int l = cuda_cpu::lane_, s = l ^ x; return cuda_cpu::xchg(m, v, (s & ~(w - 1)) > (l & ~(w - 1)) ? -1 : s); }
template <class T> T __shfl_down_sync(unsigned m, T v, unsigned d, int w = 32) {
  int l = cuda_cpu::lane_; return cuda_cpu::xchg(m, v, (l & (w - 1)) + int(d) >= w ? -1 : l + int(d)); }
template <class T> T __shfl_up_sync(unsigned m, T v, unsigned d, int w = 32) {
  int l = cuda_cpu::lane_; return cuda_cpu::xchg(m, v, (l & (w - 1)) < int(d) ? -1 : l - int(d)); }
inline unsigned __ballot_sync(unsigned m, int p) {
  using namespace cuda_cpu; Warp& w = *warps[warp_]; unsigned q = parity_ ^= 1, r = 0;
  w.slot[q][lane_] = p != 0; unsigned live = meet(m);
  for (int i = 0; i < 32; i++) if (live >> i & 1 && w.slot[q][i]) r |= 1u << i;
  return r & m; }
inline int __any_sync(unsigned m, int p) { return __ballot_sync(m, p) != 0; }
inline int __all_sync(unsigned m, int p) { return __ballot_sync(m, p) == (m & __activemask()); }

template <class T> T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v); }
template <class T> T atomicSub(T* p, T v) { return std::atomic_ref<T>(*p).fetch_sub(v); }
template <class T> T atomicExch(T* p, T v) { return std::atomic_ref<T>(*p).exchange(v); }
template <class T> T atomicCAS(T* p, T c, T v) { std::atomic_ref<T>(*p).compare_exchange_strong(c, v); return c; }
template <class T> T atomicMax(T* p, T v) { std::atomic_ref<T> r(*p); T o = r.load(); while (o < v && !r.compare_exchange_weak(o, v)) {} return o; }
template <class T> T atomicMin(T* p, T v) { std::atomic_ref<T> r(*p); T o = r.load(); while (o > v && !r.compare_exchange_weak(o, v)) {} return o; }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }

template <class T> T __ldg(const T* p) { return *p; }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __powf(float x, float y) { return powf(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float __saturatef(float x) { return x < 0.f ? 0.f : x > 1.f ? 1.f : x; }
inline float rsqrtf(float x) { return 1.f / sqrtf(x); }
inline unsigned __umulhi(unsigned a, unsigned b) { return unsigned((unsigned long long)a * b >> 32); }
inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __uint_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
