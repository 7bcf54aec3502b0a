// Fused GAN training: one thread block trains one run for many epochs (GAN Lab's loop: k_D
// discriminator steps, then k_G generator steps), everything on the device: batches drawn
// from the Philox streams (random.cu), forward, manual backward (mlp.cu; the loader puts both
// in front of this file), the losses (log with real weight, minimax, least squares, hinge,
// wasserstein with the critic's weight clipping), SGD/Adam/RMSprop/momentum.
// Correct for every architecture and batch size in range; threads loop over samples x neurons
// for the passes and take one parameter each for the weight gradients (summed over the batch)
// and the update. The activations live in the block's dynamic shared memory when the launch
// gives it enough (`shared_scratch`: GAN Lab-sized models and batches, the fast path), else in
// a per-run area of the global `scratch` (any size). Both run the same code on the same numbers.

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
            double* losses, int* done, const double* drawn, int n_drawn, int shared_scratch) {
#ifdef __CUDA_CPU__
  CUDA_DYN_SMEM(float, glgan_smem);
#else
  extern __shared__ float glgan_smem[];
#endif
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
  float* s = shared_scratch ? glgan_smem : scratch + (long long)r * arch[A_SCRATCH];
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
        if (loss == GLGAN_LOSS_LEASTSQ) {
          ping[b] = 2.0f * (sg - target) * sg * (1.0f - sg) / B;
          term = (sg - target) * (sg - target);
        } else if (loss == GLGAN_LOSS_HINGE) {  // relu(1 - l) real, relu(1 + l) fake
          ping[b] = is_real ? (l < 1.0f ? -1.0f / B : 0.0f) : (l > -1.0f ? 1.0f / B : 0.0f);
          term = fmaxf(is_real ? 1.0f - l : 1.0f + l, 0.0f);
        } else if (loss == GLGAN_LOSS_WASSERSTEIN) {  // mean l_fake - mean l_real
          ping[b] = (is_real ? -1.0f : 1.0f) / B;
          term = l;
        } else {
          ping[b] = (is_real ? weight : 1.0f) / B * (sg - target);
          term = glgan_softplus(is_real ? -l : l);
        }
        if (is_real) part_real += term; else part_fake += term;
      }
      __syncthreads();
      if (want && step == kd - 1) {  // (a sum that overflows gives Inf, as in the engine)
        float real = glgan_block_sum(part_real) / B, fake = glgan_block_sum(part_fake) / B;
        if (threadIdx.x == 0)
          losses[2 * r] = loss == GLGAN_LOSS_WASSERSTEIN ? fake - real
                          : (loss <= GLGAN_LOSS_MINIMAX ? weight * real : real) + fake;
      }
      Optim o = glgan_optim(ic[IC_D_OPT], f[FC_D_LR], f, t_d,
                            loss == GLGAN_LOSS_WASSERSTEIN ? f[FC_CLIP] : 0.0);
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
        // hinge and wasserstein: -mean l_fake
        ping[b] = loss == GLGAN_LOSS_LOG ? (sg - 1.0f) / B : loss == GLGAN_LOSS_MINIMAX ? -sg / B
                  : loss == GLGAN_LOSS_LEASTSQ ? 2.0f * (sg - 1.0f) * sg * (1.0f - sg) / B
                  : -1.0f / B;
        part += loss == GLGAN_LOSS_LOG ? glgan_softplus(-l)
                : loss == GLGAN_LOSS_MINIMAX ? glgan_softplus(l)
                : loss == GLGAN_LOSS_LEASTSQ ? (sg - 1.0f) * (sg - 1.0f) : l;
      }
      __syncthreads();
      if (want && step == kg - 1) {
        float mean = glgan_block_sum(part) / B;
        if (threadIdx.x == 0)
          losses[2 * r + 1] = loss == GLGAN_LOSS_LOG || loss == GLGAN_LOSS_LEASTSQ ? mean : -mean;
      }
      glgan_backward(D, fake_acts, ping, B, nullptr, d_fake, ping, pong);
      for (int idx = threadIdx.x; idx < 2 * B; idx += blockDim.x) {  // through G's tanh
        float y = fake[idx];
        d_fake[idx] *= 1.0f - y * y;
      }
      __syncthreads();
      Optim o = glgan_optim(ic[IC_G_OPT], f[FC_G_LR], f, t_g, 0.0);
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
