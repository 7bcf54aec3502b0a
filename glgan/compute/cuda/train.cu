// Fused GAN training: one thread block trains one run for many epochs (GAN Lab's loop: k_D
// discriminator steps, then k_G generator steps), everything on the device: batches drawn
// from the Philox streams (random.cu, put in front of this file by the loader), forward,
// manual backward, the losses (log with real weight, minimax, least squares) and SGD/Adam.
// Correct for every architecture and batch size in range (activations live in a per-run
// global scratch area); threads loop over samples x neurons for the passes and take one
// parameter each for the weight gradients (summed over the batch) and the update.
//
// Parameters use the NumPy engine's layout (glgan/compute/mlp.py): per network, layer after
// layer, the augmented matrix [W; b] of (n_in + 1) x n_out, row-major. params holds three
// blocks of R x P floats: weights, Adam's m, Adam's v; a run's row is [G | D].

#define GLGAN_THREADS 256  // launch with this many threads per block
#define GLGAN_BAD_LAUNCH (-1000000000)  // done[] of a block launched with other than that

// Per-run integer settings (iconf, R x IC)
#define IC_ACTIVE 0    // 0: the run does not train in this launch (paused, not selected)
#define IC_SEED 1
#define IC_DATASET 2   // GlganDataset
#define IC_GAUSS 3     // 1: truncated Gaussian noise, 0: uniform
#define IC_KD 4        // D steps per epoch (this launch)
#define IC_KG 5        // G steps per epoch
#define IC_LOSS 6      // 0 log, 1 minimax, 2 leastsq
#define IC_D_ADAM 7
#define IC_G_ADAM 8
#define IC 9
// Per-run real settings (fconf, R x FC)
#define FC_D_LR 0
#define FC_G_LR 1
#define FC_REAL_WEIGHT 2
#define FC_BETA1 3
#define FC_BETA2 4
#define FC_EPS 5
#define FC 6
// The shared architecture (arch)
#define A_NZ 0       // noise dimension
#define A_GL 1       // generator hidden layers
#define A_GW 2       // generator neurons per hidden layer
#define A_DL 3       // discriminator hidden layers
#define A_DW 4       // discriminator neurons per hidden layer
#define A_B 5        // batch size
#define A_ATLAS 6    // atlas size (samples), or 0 for fresh samples
#define A_P 7        // parameters per run (G then D)
#define A_PG 8       // generator parameters
#define A_SCRATCH 9  // scratch floats per run
#define A_N 10

struct Net {       // one network's view of a run
  float *w, *m, *v;  // weights, Adam moments (this network's part of the run's rows)
  int layers;        // weight layers (hidden + 1)
  int n_in, width, n_out;
  __device__ int size(int i) const { return i == 0 ? n_in : (i == layers ? n_out : width); }
  __device__ long long offset(int i) const {  // of layer i's [W; b]
    long long o = 0;
    for (int l = 0; l < i; l++) o += (long long)(size(l) + 1) * size(l + 1);
    return o;
  }
};

// y[b][j] = act(sum_k x[b][k] W[k][j] + bias[j]) for rows [0, rows); act: 0 relu, 1 tanh, 2 none
__device__ void glgan_dense(const Net& net, int layer, const float* x, int rows, float* y,
                            int act) {
  const int n_in = net.size(layer), n_out = net.size(layer + 1);
  const float* W = net.w + net.offset(layer);
  for (int idx = threadIdx.x; idx < rows * n_out; idx += blockDim.x) {
    int b = idx / n_out, j = idx - b * n_out;
    float acc = W[n_in * n_out + j];
    for (int k = 0; k < n_in; k++) acc += x[b * n_in + k] * W[k * n_out + j];
    y[idx] = act == 0 ? fmaxf(acc, 0.0f) : act == 1 ? tanhf(acc) : acc;
  }
  __syncthreads();
}

__device__ void glgan_forward(const Net& net, float* const* acts, float* out, int rows,
                              int out_act) {
  for (int i = 0; i < net.layers; i++)
    glgan_dense(net, i, acts[i], rows, i + 1 < net.layers ? acts[i + 1] : out,
                i + 1 < net.layers ? 0 : out_act);
}

struct Optim {   // one run's optimiser for one network in one step
  int adam; float lr, beta1, beta2, c1, c2, eps, step, vscale;  // c1 = 1 - beta1, c2 = 1 - beta2
};

__device__ Optim glgan_optim(int adam, double lr, const double* f, long long* t) {
  Optim o;
  o.adam = adam; o.lr = (float)lr;
  o.beta1 = (float)f[FC_BETA1]; o.beta2 = (float)f[FC_BETA2]; o.eps = (float)f[FC_EPS];
  o.c1 = (float)(1.0 - f[FC_BETA1]); o.c2 = (float)(1.0 - f[FC_BETA2]);  // (1 - 0.999f is 1.3e-5 off)
  o.step = 0.0f; o.vscale = 0.0f;
  if (adam) {  // the step count advances once per step, in every thread alike
    long long n = *t + 1;
    o.step = (float)(lr / (1.0 - pow(f[FC_BETA1], (double)n)));
    o.vscale = (float)(1.0 / (1.0 - pow(f[FC_BETA2], (double)n)));
  }
  return o;
}

__device__ __forceinline__ void glgan_update(const Optim& o, float* w, float* m, float* v,
                                             float g) {
  if (!o.adam) { *w -= o.lr * g; return; }
  *m = *m * o.beta1 + g * o.c1;
  *v = *v * o.beta2 + (g * g) * o.c2;
  float den = sqrtf(*v * o.vscale) + o.eps;
  *w -= (*m / den) * o.step;
}

// Backward through net from delta (rows x n_out, the gradient at the last layer's pre-
// activation). update: apply the optimiser to every weight (gradients summed over the rows);
// dx: if not null, receives d/d(input) (rows x n_in). ping/pong: scratch rows x width.
__device__ void glgan_backward(const Net& net, float* const* acts, const float* delta,
                               int rows, const Optim* update, float* dx, float* ping,
                               float* pong) {
  for (int i = net.layers - 1; i >= 0; i--) {
    const int n_in = net.size(i), n_out = net.size(i + 1);
    float* W = net.w + net.offset(i);
    const float* x = acts[i];
    float* d_in = i > 0 ? (delta == ping ? pong : ping) : dx;
    if (d_in) {  // d_in[b][k] = sum_j delta[b][j] W[k][j], through the ReLU that made x
      for (int idx = threadIdx.x; idx < rows * n_in; idx += blockDim.x) {
        int b = idx / n_in, k = idx - b * n_in;
        float acc = 0.0f;
        for (int j = 0; j < n_out; j++) acc += delta[b * n_out + j] * W[k * n_out + j];
        d_in[idx] = (i == 0 || x[idx] > 0.0f) ? acc : 0.0f;
      }
    }
    __syncthreads();  // W is read above before it is updated below
    if (update) {  // one thread per parameter: its gradient over the batch, then its update
      const long long off = net.offset(i);
      for (int p = threadIdx.x; p < (n_in + 1) * n_out; p += blockDim.x) {
        int k = p / n_out, j = p - k * n_out;
        // compensated (Kahan) sum over the batch: a bias's terms often nearly cancel, and
        // Adam's normalised step turns a sum's relative error into a step error
        float g = 0.0f, lost = 0.0f;
        for (int b = 0; b < rows; b++) {
          float term = (k < n_in ? x[b * n_in + k] : 1.0f) * delta[b * n_out + j] - lost;
          float t = g + term;
          lost = (t - g) - term;
          g = t;
        }
        glgan_update(*update, &W[p], &net.m[off + p], &net.v[off + p], g);
      }
      __syncthreads();
    }
    if (i > 0) delta = d_in;
  }
}

// Sum of v over the block; the result is valid in every thread.
__device__ float glgan_block_sum(float v) {
  __shared__ float part[GLGAN_THREADS];
  part[threadIdx.x] = v;
  __syncthreads();
  for (int s = GLGAN_THREADS / 2; s > 0; s >>= 1) {
    if ((int)threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  float total = part[0];
  __syncthreads();  // part[] is reused by the next call
  return total;
}

__device__ __forceinline__ bool glgan_finite(float x) {  // exponent not all ones: not Inf/NaN
  return (__float_as_uint(x) & 0x7F800000u) != 0x7F800000u;
}

__device__ __forceinline__ float glgan_softplus(float t) {
  return fmaxf(t, 0.0f) + log1pf(expf(-fabsf(t)));
}

// Batch `counter` of a stream: row i is atlas sample ((counter+1) B + i) mod atlas (GAN Lab's
// walk), or fresh sample counter B + i.
__device__ __forceinline__ unsigned long long glgan_row(long long counter, int i, int B,
                                                        int atlas) {
  unsigned long long c = (unsigned long long)counter;
  return atlas ? ((c + 1ull) * B + i) % (unsigned long long)atlas : c * B + i;
}

extern "C" __global__ void __launch_bounds__(GLGAN_THREADS)
glgan_train(int epochs, int want_loss, const int* arch, const int* iconf, const double* fconf,
            float* params, int runs, float* scratch, long long* counters, long long* steps,
            double* losses, int* done, const double* drawn, int n_drawn) {
  const int r = blockIdx.x;
  const int* ic = iconf + r * IC;
  const double* f = fconf + r * FC;
  if (blockDim.x != GLGAN_THREADS) {  // the block sums assume it: refuse, never miscompute
    if (threadIdx.x == 0) done[r] = GLGAN_BAD_LAUNCH;
    return;
  }
  if (!ic[IC_ACTIVE]) return;
  const int nz = arch[A_NZ], B = arch[A_B], atlas = arch[A_ATLAS];
  const long long P = arch[A_P], Pg = arch[A_PG];
  const unsigned seed = (unsigned)ic[IC_SEED];
  float* w = params + r * P;
  float* m = params + (long long)runs * P + r * P;
  float* v = params + 2ll * runs * P + r * P;
  Net G = {w, m, v, arch[A_GL] + 1, nz, arch[A_GW], 2};
  Net D = {w + Pg, m + Pg, v + Pg, arch[A_DL] + 1, 2, arch[A_DW], 1};
  // scratch: G's layer inputs (B rows), D's layer inputs (2B rows: real, then fake), logits
  // (2B), two delta buffers (2B x widest), G's output gradient (B x 2)
  float* s = scratch + (long long)r * arch[A_SCRATCH];
  float* g_acts[8]; float* d_acts[8];
  for (int i = 0; i < G.layers; i++) { g_acts[i] = s; s += (long long)B * G.size(i); }
  for (int i = 0; i < D.layers; i++) { d_acts[i] = s; s += 2ll * B * D.size(i); }
  float* logits = s; s += 2 * B;
  int widest = G.width > D.width ? G.width : D.width;
  if (widest < 2) widest = 2;
  float* ping = s; s += 2ll * B * widest;
  float* pong = s; s += 2ll * B * widest;
  float* d_fake = s;
  float* fake = d_acts[0] + 2 * B;  // G writes its output into D's fake rows
  long long* real_counter = counters + 2 * r;
  long long* noise_counter = counters + 2 * r + 1;
  long long* t_g = steps + 2 * r;
  long long* t_d = steps + 2 * r + 1;
  const int kd = ic[IC_KD], kg = ic[IC_KG], loss = ic[IC_LOSS];
  const float weight = (float)f[FC_REAL_WEIGHT];
  __shared__ int bad;

  for (int e = 0; e < epochs; e++) {
    const bool want = want_loss && e == epochs - 1;
    for (int step = 0; step < kd; step++) {  // ---- a D step
      for (int idx = threadIdx.x; idx < B; idx += blockDim.x) {
        unsigned long long nrow = glgan_row(*noise_counter, idx, B, atlas);
        unsigned nstream = atlas ? S_NOISE_ATLAS : S_NOISE_FRESH;
        for (int d = 0; d < nz; d++)
          g_acts[0][idx * nz + d] = glgan_noise(seed, nstream, nrow, d, ic[IC_GAUSS]);
        unsigned long long rrow = glgan_row(*real_counter, idx, B, atlas);
        glgan_real(seed, atlas ? S_REAL_ATLAS : S_REAL_FRESH, rrow, ic[IC_DATASET], drawn,
                   n_drawn, &d_acts[0][2 * idx], &d_acts[0][2 * idx + 1]);
      }
      __syncthreads();
      glgan_forward(G, g_acts, fake, B, 1);
      glgan_forward(D, d_acts, logits, 2 * B, 2);
      float part_real = 0.0f, part_fake = 0.0f;  // the loss's two sums, as the engine's means
      for (int b = threadIdx.x; b < 2 * B; b += blockDim.x) {  // dL_D/dlogit
        const bool is_real = b < B;
        float l = logits[b], sg = 0.5f * tanhf(0.5f * l) + 0.5f, target = is_real ? 1.f : 0.f;
        float term;
        if (loss == 2) {
          ping[b] = 2.0f * (sg - target) * sg * (1.0f - sg) / B;
          term = (sg - target) * (sg - target);
        } else {
          ping[b] = (is_real ? weight : 1.0f) / B * (sg - target);
          term = glgan_softplus(is_real ? -l : l);
        }
        if (is_real) part_real += term; else part_fake += term;
      }
      __syncthreads();
      if (want && step == kd - 1) {  // (a sum that overflows gives Inf, as in the engine)
        float real = glgan_block_sum(part_real) / B, fake = glgan_block_sum(part_fake) / B;
        if (threadIdx.x == 0) losses[2 * r] = (loss == 2 ? real : weight * real) + fake;
      }
      Optim o = glgan_optim(ic[IC_D_ADAM], f[FC_D_LR], f, t_d);
      glgan_backward(D, d_acts, ping, 2 * B, &o, nullptr, ping, pong);
      if (threadIdx.x == 0) { *real_counter += 1; *noise_counter += 1; *t_d += o.adam; }
      __syncthreads();
    }
    for (int step = 0; step < kg; step++) {  // ---- a G step
      for (int idx = threadIdx.x; idx < B; idx += blockDim.x) {
        unsigned long long nrow = glgan_row(*noise_counter, idx, B, atlas);
        for (int d = 0; d < nz; d++)
          g_acts[0][idx * nz + d] = glgan_noise(seed, atlas ? S_NOISE_ATLAS : S_NOISE_FRESH,
                                                nrow, d, ic[IC_GAUSS]);
      }
      __syncthreads();
      glgan_forward(G, g_acts, fake, B, 1);
      float* fake_acts[8];
      for (int i = 0; i < D.layers; i++) fake_acts[i] = d_acts[i] + (long long)B * D.size(i);
      glgan_forward(D, fake_acts, logits + B, B, 2);
      float part = 0.0f;
      for (int b = threadIdx.x; b < B; b += blockDim.x) {  // dL_G/dlogit
        float l = logits[B + b], sg = 0.5f * tanhf(0.5f * l) + 0.5f;
        ping[b] = loss == 0 ? (sg - 1.0f) / B : loss == 1 ? -sg / B
                  : 2.0f * (sg - 1.0f) * sg * (1.0f - sg) / B;
        part += loss == 0 ? glgan_softplus(-l) : loss == 1 ? glgan_softplus(l)
                : (sg - 1.0f) * (sg - 1.0f);
      }
      __syncthreads();
      if (want && step == kg - 1) {
        float mean = glgan_block_sum(part) / B;
        if (threadIdx.x == 0) losses[2 * r + 1] = loss == 1 ? -mean : mean;
      }
      glgan_backward(D, fake_acts, ping, B, nullptr, d_fake, ping, pong);
      for (int idx = threadIdx.x; idx < 2 * B; idx += blockDim.x) {  // through G's tanh
        float y = fake[idx];
        d_fake[idx] *= 1.0f - y * y;
      }
      __syncthreads();
      Optim o = glgan_optim(ic[IC_G_ADAM], f[FC_G_LR], f, t_g);
      glgan_backward(G, g_acts, d_fake, B, &o, nullptr, ping, pong);
      if (threadIdx.x == 0) { *noise_counter += 1; *t_g += o.adam; }
      __syncthreads();
    }
    // the epoch is done when every weight and moment is finite; else stop (the host rolls the
    // run back)
    __syncthreads();  // every thread has read the last epoch's flag
    if (threadIdx.x == 0) bad = 0;
    __syncthreads();
    for (long long p = threadIdx.x; p < P; p += blockDim.x)
      if (!glgan_finite(w[p]) || !glgan_finite(m[p]) || !glgan_finite(v[p])) bad = 1;
    __syncthreads();
    if (bad) {
      if (threadIdx.x == 0) done[r] = -(e + 1);  // diverged in epoch e + 1
      return;
    }
    if (threadIdx.x == 0) done[r] = e + 1;
  }
}
