// The networks on the device, shared by the training and the visual kernels: parameters in
// the NumPy engine's layout (glgan/compute/mlp.py: per network, layer after layer, [W; b] of
// (n_in + 1) x n_out, row-major; a run's row is [G | D], params holds weights, the optimiser's
// m (Adam's first moment, momentum's velocity) and v (Adam's second moment, RMSprop's mean
// square) as three blocks of R x P floats), dense layers over rows of a block's scratch, manual
// backward with the optimisers (glgan/compute/optim.py's rules), block sums. No #include (see
// random.cu).

#define GLGAN_THREADS 256  // launch with this many threads per block
#define GLGAN_BAD_LAUNCH (-1000000000)  // done[] of a block launched with other than that

// Per-run integer settings (iconf, R x IC)
#define IC_ACTIVE 0    // 0: the run does not train in this launch (paused, not selected)
#define IC_SEED 1
#define IC_DATASET 2   // GlganDataset
#define IC_GAUSS 3     // 1: truncated Gaussian noise, 0: uniform
#define IC_KD 4        // D steps per epoch (this launch)
#define IC_KG 5        // G steps per epoch
#define IC_LOSS 6      // GLGAN_LOSS_*
#define IC_D_OPT 7     // GLGAN_OPT_* of D
#define IC_G_OPT 8     // GLGAN_OPT_* of G
#define IC 9
// Per-run real settings (fconf, R x FC)
#define FC_D_LR 0
#define FC_G_LR 1
#define FC_REAL_WEIGHT 2
#define FC_BETA1 3
#define FC_BETA2 4
#define FC_EPS 5       // Adam's
#define FC_RHO 6       // RMSprop's decay
#define FC_RMS_EPS 7   // RMSprop's epsilon
#define FC_MOMENTUM 8  // SGD with momentum's
#define FC_CLIP 9      // wasserstein: D's weights are clipped to [-clip, clip]
#define FC 10
// Losses (trainer.LOSSES) and optimisers (trainer.OPTIMIZERS)
#define GLGAN_LOSS_LOG 0
#define GLGAN_LOSS_MINIMAX 1
#define GLGAN_LOSS_LEASTSQ 2
#define GLGAN_LOSS_HINGE 3
#define GLGAN_LOSS_WASSERSTEIN 4
#define GLGAN_OPT_SGD 0
#define GLGAN_OPT_ADAM 1
#define GLGAN_OPT_RMSPROP 2
#define GLGAN_OPT_MOMENTUM 3
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

struct Optim {   // one run's optimiser for one network in one step (see glgan_update)
  int kind, adam;  // GLGAN_OPT_*; adam: 1 for Adam (its step count advances)
  float lr, beta1, beta2, c1, c2, eps, step, vscale, clip;  // clip: 0 for none
};

// kind's constants: m <- beta1 m + c1 g (Adam: b1, 1 - b1; momentum: mu, 1), v <- beta2 v + c2
// g^2 (Adam: b2, 1 - b2; RMSprop: rho, 1 - rho), the step's factor and v's under the root.
__device__ Optim glgan_optim(int kind, double lr, const double* f, long long* t, double clip) {
  Optim o;
  o.kind = kind; o.adam = kind == GLGAN_OPT_ADAM; o.lr = (float)lr; o.clip = (float)clip;
  o.beta1 = 1.0f; o.c1 = 0.0f; o.beta2 = 1.0f; o.c2 = 0.0f; o.eps = 1.0f;
  o.step = (float)lr; o.vscale = 1.0f;
  if (kind == GLGAN_OPT_ADAM) {  // the step count advances once per step, in every thread alike
    o.beta1 = (float)f[FC_BETA1]; o.beta2 = (float)f[FC_BETA2]; o.eps = (float)f[FC_EPS];
    o.c1 = (float)(1.0 - f[FC_BETA1]); o.c2 = (float)(1.0 - f[FC_BETA2]);  // (1 - 0.999f is 1.3e-5 off)
    long long n = *t + 1;
    o.step = (float)(lr / (1.0 - pow(f[FC_BETA1], (double)n)));
    o.vscale = (float)(1.0 / (1.0 - pow(f[FC_BETA2], (double)n)));
  } else if (kind == GLGAN_OPT_RMSPROP) {
    o.beta2 = (float)f[FC_RHO]; o.c2 = (float)(1.0 - f[FC_RHO]); o.eps = (float)f[FC_RMS_EPS];
  } else if (kind == GLGAN_OPT_MOMENTUM) {
    o.beta1 = (float)f[FC_MOMENTUM]; o.c1 = 1.0f;
  }
  return o;
}

// One parameter's update from its gradient g (summed over the batch), as optim.py:
//   sgd       w -= lr g
//   adam      m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= m / (sqrt(v vscale) + eps) step
//   rmsprop   v = rho v + (1-rho) g^2; w -= g / (sqrt(v) + eps) lr
//   momentum  m = mu m + g; w -= m lr
// then, with clip > 0 (a wasserstein critic), w is clipped to [-clip, clip] (NaN stays NaN,
// as with NumPy's minimum/maximum, so a divergence is still seen).
__device__ __forceinline__ void glgan_update(const Optim& o, float* w, float* m, float* v,
                                             float g) {
  float x = *w;
  if (o.kind == GLGAN_OPT_SGD) {
    x -= o.lr * g;
  } else {
    if (o.kind != GLGAN_OPT_RMSPROP) *m = *m * o.beta1 + g * o.c1;
    float num = o.kind == GLGAN_OPT_RMSPROP ? g : *m;
    if (o.kind != GLGAN_OPT_MOMENTUM) {
      *v = *v * o.beta2 + (g * g) * o.c2;
      num /= sqrtf(*v * o.vscale) + o.eps;
    }
    x -= num * o.step;
  }
  if (o.clip > 0.0f) x = x > o.clip ? o.clip : (x < -o.clip ? -o.clip : x);
  *w = x;
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

