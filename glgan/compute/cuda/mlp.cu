// The networks on the device, shared by the training and the visual kernels: parameters in
// the NumPy engine's layout (glgan/compute/mlp.py: per network, layer after layer, [W; b] of
// (n_in + 1) x n_out, row-major; a run's row is [G | D], params holds weights, Adam's m, Adam's
// v as three blocks of R x P floats), dense layers over rows of a block's scratch, manual
// backward with the optimisers, block sums. No #include (see random.cu).

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

