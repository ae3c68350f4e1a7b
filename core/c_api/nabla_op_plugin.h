/* The C ABI for op plugins: a plugin written against this header loads into
 * any nabla that supports its C API version, whatever compiler, standard
 * library, protobuf or Abseil either side was built with. Only C types cross
 * the boundary: integers, doubles, pointers to plain structs, opaque handles
 * and function pointers. nabla_op_plugin.hpp wraps it for C++ authors.
 *
 * A plugin defines one entry point, nabla_c_plugin_entry(), that returns a
 * NablaCPluginInfo. The host checks it, then calls its register_ops with the
 * host's function table, through which the plugin declares its ops:
 *
 *   static const NablaHostApi* host;
 *
 *   static NablaStatus* Register(const NablaHostApi* h, NablaOpRegistrar* r) {
 *     host = h;
 *     NablaOpDesc desc = {sizeof(NablaOpDesc)};
 *     desc.name = "Cube";
 *     ...  (inputs, outputs, shape, forward, gradient)
 *     host->add_op(r, &desc);
 *     return NULL;
 *   }
 *
 *   NABLA_C_EXPORT const NablaCPluginInfo* nabla_c_plugin_entry(void) {
 *     static const NablaCPluginInfo info = {sizeof(NablaCPluginInfo),
 *                                           NABLA_C_API_VERSION, &Register};
 *     return &info;
 *   }
 *
 * Versions and sizes. NABLA_C_API_VERSION counts additions to this header.
 * Within a version line, nothing is removed, reordered or given another
 * meaning: a version adds fields at the end of the structs that carry a
 * `size` (NablaCPluginInfo, NablaOpDesc, NablaHostApi) or new constants.
 * So each side reads the other's structs as far as both know them:
 *   - the host refuses a plugin whose api_version is older than the oldest
 *     it supports, or whose NablaCPluginInfo or NablaOpDesc is smaller than
 *     in version 1;
 *   - a struct from a newer plugin is read up to the fields the host knows;
 *     the rest is ignored, so a field added later must be one an older host
 *     may ignore (a hint);
 *   - a struct from an older plugin is read as far as it goes; the fields it
 *     lacks count as zero (NULL, no flags);
 *   - a plugin that calls a host function added after version 1 first checks
 *     NABLA_HOST_HAS(host, function).
 * NablaInputDesc and NablaAttrDesc have no size: they never change.
 *
 * Errors. A callback returns NULL for success, or an error made with
 * host->make_error(message); the host copies the message and frees the
 * error. Errors never abort the process: a bad plugin is refused with a
 * message that names it, and a failing kernel fails its step. No exception
 * may leave a callback (nabla_op_plugin.hpp catches them).
 *
 * Handles (tensors, contexts, attributes) belong to the host and are valid
 * only during the call that passes them. Host functions never fail on a bad
 * index: they return NULL, 0 or -1 as documented.
 *
 * This header is valid C99 and C++ and includes only <stddef.h> and
 * <stdint.h>. */
#ifndef NABLA_CORE_C_API_NABLA_OP_PLUGIN_H_
#define NABLA_CORE_C_API_NABLA_OP_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header. Version 2 added NablaHostApi.kernel_run and
 * gradient_run. */
#define NABLA_C_API_VERSION 2

/* The name of the entry point the host looks up. */
#define NABLA_C_PLUGIN_ENTRY_POINT "nabla_c_plugin_entry"

/* Gives a symbol default visibility, for the entry point of a plugin built
 * with -fvisibility=hidden (recommended: nothing else needs exporting). */
#if defined(__GNUC__) || defined(__clang__)
#define NABLA_C_EXPORT __attribute__((visibility("default")))
#else
#define NABLA_C_EXPORT
#endif

/* Element types. */
typedef int32_t NablaDType;
#define NABLA_DTYPE_FLOAT32 0
#define NABLA_DTYPE_FLOAT64 1

/* Opaque handles. */
typedef struct NablaTensor NablaTensor;
typedef struct NablaShapeContext NablaShapeContext;
typedef struct NablaKernelContext NablaKernelContext;
typedef struct NablaGradientContext NablaGradientContext;
typedef struct NablaAttrs NablaAttrs;
typedef struct NablaOpRegistrar NablaOpRegistrar;
/* An error; NULL means success. */
typedef struct NablaStatus NablaStatus;

/* What the attribute getters return. */
#define NABLA_ATTR_OK 0
#define NABLA_ATTR_NOT_FOUND 1  /* the op declares no such attribute */
#define NABLA_ATTR_WRONG_TYPE 2 /* it has another type */

/* Attribute types, for NablaAttrDesc. */
#define NABLA_ATTR_INT 0
#define NABLA_ATTR_FLOAT 1
#define NABLA_ATTR_BOOL 2
#define NABLA_ATTR_STRING 3
#define NABLA_ATTR_INT_LIST 4

/* Op categories (train_graph --list groups ops by them). */
#define NABLA_OP_CATEGORY_OP 0
#define NABLA_OP_CATEGORY_ACTIVATION 1
#define NABLA_OP_CATEGORY_LOSS 2

/* NablaOpDesc.flags: hints for the planner. Leaving a flag out is always
 * correct; setting one the kernels do not honour gives wrong results.
 *   IN_PLACE: the forward kernel stays correct when output 0 is written
 *     over input 0 (same dtype, shape and memory), e.g. an elementwise
 *     kernel that reads element i before writing element i.
 *   GRADIENT_IN_PLACE: the same for dL/d(input 0) over dL/d(output 0).
 *   GRADIENT_SKIPS_INPUTS, GRADIENT_SKIPS_OUTPUTS: the gradient kernel
 *     reads no forward input (no forward output); their memory may be
 *     reused once the forward pass is done. Shapes stay readable. */
#define NABLA_OP_IN_PLACE (1u << 0)
#define NABLA_OP_GRADIENT_IN_PLACE (1u << 1)
#define NABLA_OP_GRADIENT_SKIPS_INPUTS (1u << 2)
#define NABLA_OP_GRADIENT_SKIPS_OUTPUTS (1u << 3)

/* NablaInputDesc.flags: no gradient flows into the input (integer labels). */
#define NABLA_INPUT_NO_GRADIENT (1u << 0)

/* The callbacks of an op. `user_data` is NablaOpDesc.user_data. A shape
 * function reads the input dtypes and shapes (a dimension of -1 is unknown)
 * and the attributes, and sets every output with shape_set_output; it
 * refuses inputs or attributes that do not fit with an error whose message
 * shows them. A forward kernel writes every element of every output, already
 * sized as the shape function said. A gradient kernel writes dL/d(input i)
 * in full into each gradient_input_grad(i) that is not NULL. Kernels run on
 * every step: they should not allocate. */
typedef NablaStatus* (*NablaShapeFn)(NablaShapeContext* ctx, void* user_data);
typedef NablaStatus* (*NablaForwardFn)(const NablaKernelContext* ctx,
                                       void* user_data);
typedef NablaStatus* (*NablaGradientFn)(const NablaGradientContext* ctx,
                                        void* user_data);

/* One chunk [begin, end) of host->parallel_for. */
typedef void (*NablaRangeFn)(int64_t begin, int64_t end, void* user);

/* An input of an op. Never changes. */
typedef struct NablaInputDesc {
  const char* name;
  uint32_t flags; /* NABLA_INPUT_* */
} NablaInputDesc;

/* An attribute an op declares. Never changes. A node that leaves a
 * non-required attribute out gets the default of its type's field. */
typedef struct NablaAttrDesc {
  const char* name;
  int32_t type;             /* NABLA_ATTR_* */
  int32_t required;         /* nonzero: no default; every node sets it */
  int64_t int_value;        /* default of an INT, or BOOL (0 or 1) */
  double float_value;       /* default of a FLOAT */
  const char* string_value; /* default of a STRING */
  const int64_t* int_list;  /* default of an INT_LIST: int_list_size */
  size_t int_list_size;     /*   values (int_list may be NULL when 0) */
} NablaAttrDesc;

/* An op. The host copies everything it needs during add_op: the struct and
 * what it points to may live on the plugin's stack. */
typedef struct NablaOpDesc {
  uint32_t size;    /* sizeof(NablaOpDesc) of the plugin's build */
  uint32_t flags;   /* NABLA_OP_* hints */
  const char* name; /* required, unique among all ops */
  const char* doc;  /* one line for --list; may be NULL */
  int32_t category; /* NABLA_OP_CATEGORY_* */
  int32_t num_inputs;
  const NablaInputDesc* inputs;
  int32_t num_outputs; /* at least 1 */
  const char* const* outputs;
  int32_t num_attrs;
  const NablaAttrDesc* attrs;
  NablaShapeFn shape;       /* required */
  NablaForwardFn forward;   /* required */
  NablaGradientFn gradient; /* NULL: the op cannot be trained through */
  /* Passed to shape, forward and gradient; must stay valid while the
   * library is loaded (a registered op's library stays loaded). */
  void* user_data;
} NablaOpDesc;

/* The host's functions, given to register_ops. Valid for the life of the
 * process; every function may be called from any thread. */
typedef struct NablaHostApi {
  uint32_t size;    /* sizeof(NablaHostApi) of the host's build */
  uint32_t version; /* NABLA_C_API_VERSION of the host's build */

  /* An error with a copy of `message` (NULL reads as ""), for a callback to
   * return. The host frees it when it gets it back. */
  NablaStatus* (*make_error)(const char* message);

  /* Tensors: row-major, dense. tensor_dim returns -1 for an axis out of
   * range; the data functions return NULL for a tensor without elements. */
  NablaDType (*tensor_dtype)(const NablaTensor* tensor);
  int32_t (*tensor_rank)(const NablaTensor* tensor);
  int64_t (*tensor_dim)(const NablaTensor* tensor, int32_t axis);
  int64_t (*tensor_num_elements)(const NablaTensor* tensor);
  const void* (*tensor_data)(const NablaTensor* tensor);
  void* (*tensor_mutable_data)(NablaTensor* tensor);

  /* Shape functions. An input index out of range gives dtype -1, rank -1
   * and dimension -1. shape_set_output returns 0, or nonzero when it refuses
   * an output index out of range, an unknown dtype, a negative rank, or a
   * dimension below -1: then the shape function fails with the host's
   * message, whatever it returns. */
  int32_t (*shape_num_inputs)(const NablaShapeContext* ctx);
  int32_t (*shape_num_outputs)(const NablaShapeContext* ctx);
  NablaDType (*shape_input_dtype)(const NablaShapeContext* ctx, int32_t i);
  int32_t (*shape_input_rank)(const NablaShapeContext* ctx, int32_t i);
  int64_t (*shape_input_dim)(const NablaShapeContext* ctx, int32_t i,
                             int32_t axis);
  const NablaAttrs* (*shape_attrs)(const NablaShapeContext* ctx);
  int32_t (*shape_set_output)(NablaShapeContext* ctx, int32_t i,
                              NablaDType dtype, int32_t rank,
                              const int64_t* dims);

  /* Forward kernels. An index out of range gives NULL. */
  int32_t (*kernel_num_inputs)(const NablaKernelContext* ctx);
  int32_t (*kernel_num_outputs)(const NablaKernelContext* ctx);
  const NablaTensor* (*kernel_input)(const NablaKernelContext* ctx, int32_t i);
  NablaTensor* (*kernel_output)(const NablaKernelContext* ctx, int32_t i);
  const NablaAttrs* (*kernel_attrs)(const NablaKernelContext* ctx);

  /* Gradient kernels: the forward inputs and outputs, dL/d(output i), and
   * dL/d(input i) to write, NULL when nobody needs it. An index out of range
   * gives NULL. */
  int32_t (*gradient_num_inputs)(const NablaGradientContext* ctx);
  int32_t (*gradient_num_outputs)(const NablaGradientContext* ctx);
  const NablaTensor* (*gradient_input)(const NablaGradientContext* ctx,
                                       int32_t i);
  const NablaTensor* (*gradient_output)(const NablaGradientContext* ctx,
                                        int32_t i);
  const NablaTensor* (*gradient_output_grad)(const NablaGradientContext* ctx,
                                             int32_t i);
  NablaTensor* (*gradient_input_grad)(const NablaGradientContext* ctx,
                                      int32_t i);
  const NablaAttrs* (*gradient_attrs)(const NablaGradientContext* ctx);

  /* Attributes of the node, every declared one present (defaults filled
   * in). Each returns NABLA_ATTR_OK and sets its outputs, or another
   * NABLA_ATTR_* and leaves them alone. An int attribute reads as a float
   * too. Strings are not NUL-terminated: use the length. */
  int32_t (*attr_int)(const NablaAttrs* attrs, const char* name,
                      int64_t* value);
  int32_t (*attr_float)(const NablaAttrs* attrs, const char* name,
                        double* value);
  int32_t (*attr_bool)(const NablaAttrs* attrs, const char* name,
                       int32_t* value);
  int32_t (*attr_string)(const NablaAttrs* attrs, const char* name,
                         const char** data, size_t* length);
  int32_t (*attr_int_list)(const NablaAttrs* attrs, const char* name,
                           const int64_t** values, size_t* count);

  /* Calls fn(begin, end, user) for chunks of [0, n) of `grain` elements
   * (the last may be shorter), possibly at the same time on several
   * threads. The cut depends only on n and grain, so a kernel that writes
   * each element from one chunk, and sums within a chunk in index order,
   * gives the same bits for any thread count. fn must not fail. */
  void (*parallel_for)(int64_t n, int64_t grain, NablaRangeFn fn, void* user);

  /* Declares an op; only during register_ops. Returns 0, or nonzero when
   * the description is refused: then the whole plugin is refused with the
   * host's message, whatever register_ops returns. */
  int32_t (*add_op)(NablaOpRegistrar* registrar, const NablaOpDesc* desc);

  /* Version 2 (check with NABLA_HOST_HAS): the run a kernel
   * runs in. `training` is 1 in a training step and 0 in inference
   * (predict, evaluate, validation); `step` counts the training steps
   * before this one; `node_seed` is the node's own seed (from the session's
   * seed and the node's name). A kernel that draws random numbers keys its
   * draws by node seed, step and element, so they depend neither on the
   * thread count nor on other nodes (see core/counter_random.h). */
  void (*kernel_run)(const NablaKernelContext* ctx, int32_t* training,
                     int64_t* step, uint64_t* node_seed);
  void (*gradient_run)(const NablaGradientContext* ctx, int32_t* training,
                       int64_t* step, uint64_t* node_seed);
} NablaHostApi;

/* Whether `host` has `function` (for functions added after version 1). */
#define NABLA_HOST_HAS(host, function) \
  ((host)->size >= offsetof(NablaHostApi, function) + sizeof((host)->function))

/* What the entry point returns. */
typedef struct NablaCPluginInfo {
  uint32_t size;        /* sizeof(NablaCPluginInfo) of the plugin's build */
  uint32_t api_version; /* NABLA_C_API_VERSION of the plugin's build */
  /* Declares the plugin's ops with host->add_op(registrar, ...). Returns
   * NULL, or an error that refuses the whole plugin. Called once each time
   * the host loads the library; after a refusal the library may be loaded
   * again without being unloaded in between, so it declares its ops afresh
   * each time. */
  NablaStatus* (*register_ops)(const NablaHostApi* host,
                               NablaOpRegistrar* registrar);
} NablaCPluginInfo;

typedef const NablaCPluginInfo* (*NablaCPluginEntryFn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NABLA_CORE_C_API_NABLA_OP_PLUGIN_H_ */
