// The gRPC edge every service method goes through (callback API).
//
// A handler validates, authorizes and calls the domain; Edge::Unary does the rest: it
// authenticates the caller from `authorization: Bearer <JWT>`, makes the request and trace
// ids current for logging, runs the handler on the worker pool (never on a gRPC thread),
// maps the absl::Status 1:1 to a grpc::Status (with BadRequest details), and records
// per-method metrics.
//
//   grpc::ServerUnaryReactor* GetEmployee(grpc::CallbackServerContext* ctx,
//                                         const GetEmployeeRequest* req,
//                                         Employee* resp) override {
//     return edge_->Unary(ctx, "planning.DirectoryService/GetEmployee", req, resp,
//                         [this](const Call& call, const auto& req, auto* resp) {
//                           return directory_.GetEmployee(call.principal, req, resp);
//                         });
//   }
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/auth/principal.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/server/metrics.h"
#include "common/status.h"
#include "grpcpp/grpcpp.h"

namespace opsuite::server {

// What a handler knows about the call.
struct Call {
  auth::Principal principal;
  std::string request_id;  // x-request-id from the caller, or generated
  absl::Time deadline;     // the caller's deadline (InfiniteFuture when none)
};

// The state of a call whose method is registered raw (`WithRawCallbackMethod_<Method>`,
// Edge::UnaryAsync): the typed request and response, and the reply to write into gRPC's buffer
// just before it goes: the response serialized, or bytes that already are a serialized
// response (a cached value: Later::FinishSerialized), sent as they are. Edge::Finish seals and
// deletes it; the request and response live until then. (Not a reactor of its own: gRPC runs a
// custom reactor's OnDone on another thread, one more hop per call than the default reactor.)
class RawCall {
 public:
  virtual ~RawCall() = default;
  // The reply is `bytes`, a serialized response, instead of the response message.
  void SetSerialized(std::string bytes) {
    serialized_ = std::move(bytes);
    has_serialized_ = true;
  }
  // Writes the reply into gRPC's response buffer; an error when the response cannot be
  // serialized.
  absl::Status Seal();

 protected:
  explicit RawCall(grpc::ByteBuffer* out) : out_(out) {}
  // Serializes the typed response into `out`.
  virtual grpc::Status SerializeResponse(grpc::ByteBuffer* out) = 0;

 private:
  grpc::ByteBuffer* const out_;  // gRPC's, alive until the call is over
  std::string serialized_;
  bool has_serialized_ = false;
};

template <class Req, class Resp>
class TypedRawCall final : public RawCall {
 public:
  explicit TypedRawCall(grpc::ByteBuffer* out) : RawCall(out) {}
  // Parses the request gRPC received as bytes.
  grpc::Status ParseRequest(const grpc::ByteBuffer& bytes) {
    grpc::ByteBuffer copy(bytes);  // Deserialize consumes its buffer; this shares the slices
    return grpc::SerializationTraits<Req>::Deserialize(&copy, &req);
  }
  Req req;
  Resp resp;

 private:
  grpc::Status SerializeResponse(grpc::ByteBuffer* out) override {
    bool own_buffer = false;
    return grpc::SerializationTraits<Resp>::Serialize(resp, out, &own_buffer);
  }
};

class Edge {
 public:
  // `read_executor` runs the short reads of a cache miss (nullptr: `executor` does).
  Edge(const auth::JwtVerifier* verifier, Executor* executor, Metrics* metrics,
       Executor* read_executor = nullptr)
      : verifier_(verifier),
        executor_(executor),
        read_executor_(read_executor != nullptr ? read_executor : executor),
        metrics_(metrics) {}

  // Stops taking new calls (they fail UNAVAILABLE so clients retry another replica) and waits
  // until the calls in flight have finished or `deadline` passes. Returns how many are left.
  int Drain(absl::Time deadline);
  int InFlight() const { return in_flight_.load(); }

  // Authenticates the metadata of `ctx` (UNAUTHENTICATED with the reason when it fails).
  absl::StatusOr<auth::Principal> Authenticate(const grpc::CallbackServerContext* ctx) const;

  template <class Req, class Resp, class Fn>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const Req* req, Resp* resp, Fn&& fn) {
    return Serve(ctx, ctx->DefaultReactor(), nullptr, method, req, resp, nullptr,
                 std::forward<Fn>(fn));
  }

  // How a call ends once it has left the gRPC thread's hands: exactly once, from any thread,
  // after the response is filled.
  using Done = absl::AnyInvocable<void(const absl::Status&)>;

  // What UnaryAsync's `start` does with the call: answer it now, take it to answer later, or
  // neither (then the worker pool runs `fn`).
  class Later {
   public:
    // Answers now, on this thread.
    void Finish(const absl::Status& status) {
      taken_ = true;
      edge_->Finish(reactor_, raw_, *info_, start_, status);
    }
    // Answers now with `serialized`, the response already serialized (a cached value), sent
    // as it is: no message is parsed or serialized. Only for a method registered raw
    // (OPSUITE_UNARY_ASYNC); elsewhere the call fails INTERNAL.
    void FinishSerialized(std::string serialized) {
      if (raw_ == nullptr) {
        return Finish(absl::InternalError(
            "FinishSerialized on a method not registered raw (see OPSUITE_UNARY_ASYNC)"));
      }
      raw_->SetSerialized(std::move(serialized));
      Finish(absl::OkStatus());
    }
    // For whatever will answer later (a Redis reply, a load on the worker pool).
    Done Take() {
      taken_ = true;
      return [edge = edge_, reactor = reactor_, raw = raw_, info = std::move(*info_),
              start = start_](const absl::Status& status) {
        edge->Finish(reactor, raw, info, start, status);
      };
    }
    bool taken() const { return taken_; }

   private:
    friend class Edge;
    Later(Edge* edge, grpc::ServerUnaryReactor* reactor, RawCall* raw, log::RequestInfo* info,
          absl::Time start)
        : edge_(edge), reactor_(reactor), raw_(raw), info_(info), start_(start) {}
    Edge* const edge_;
    grpc::ServerUnaryReactor* const reactor_;
    RawCall* const raw_;  // nullptr: a typed registration
    log::RequestInfo* const info_;
    const absl::Time start_;
    bool taken_ = false;
  };

  // Like Unary, but first gives `start(call, req, resp, later)` the call on the gRPC thread
  // itself. `start` must never block: it answers from what the process holds (a near-cache
  // hit: later.FinishSerialized with the cached bytes, or later.Finish), or hands the call to
  // something that will answer without a worker waiting on it (later.Take(): a Redis reply, a
  // load queued on executor()), or does neither and leaves *resp untouched, and the call goes
  // on to `fn` on the worker pool.
  //
  // The method is registered raw (the service derives from `WithRawCallbackMethod_<Method>`;
  // OPSUITE_UNARY_ASYNC declares the override), so that a reply the process already holds
  // serialized goes out as those bytes: a near-cache hit is neither parsed into a message nor
  // serialized back (about a fifth of a GetCustomer hit's instructions, bench/README.md). The
  // request is parsed here; one that does not parse fails INVALID_ARGUMENT.
  template <class Req, class Resp, class Start, class Fn>
  grpc::ServerUnaryReactor* UnaryAsync(grpc::CallbackServerContext* ctx, absl::string_view method,
                                       const grpc::ByteBuffer* req_bytes,
                                       grpc::ByteBuffer* resp_bytes, Start&& start, Fn&& fn) {
    auto* call = new TypedRawCall<Req, Resp>(resp_bytes);  // deleted by Finish
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    if (!call->ParseRequest(*req_bytes).ok()) {
      // gRPC 1.51 answers a typed method's unparseable request UNIMPLEMENTED with no message;
      // this says what is wrong.
      in_flight_.fetch_add(1);
      Finish(reactor, call, RequestInfoFor(ctx, method), absl::Now(),
             absl::InvalidArgumentError(absl::StrCat(
                 "the request is not a serialized ", Req::descriptor()->full_name())));
      return reactor;
    }
    return Serve(ctx, reactor, call, method, &call->req, &call->resp, std::forward<Start>(start),
                 std::forward<Fn>(fn));
  }

  // The worker pool, for a `start` that hands blocking work on.
  Executor* executor() const { return executor_; }
  // The small pool for a `start`'s short local reads (a cache miss's load): about as many
  // threads as the database has readers, so a burst of misses neither queues its threads on
  // the readers' lock nor wakes dozens of them on two cores. Writers, who wait for a group
  // commit, and anything that may call another process stay on executor().
  Executor* read_executor() const { return read_executor_; }

 private:
  static absl::Time DeadlineOf(const grpc::CallbackServerContext* ctx);
  static log::RequestInfo RequestInfoFor(const grpc::CallbackServerContext* ctx,
                                         absl::string_view method);
  // Unary's and UnaryAsync's common body: `reactor` answers the call, `raw` is it when the
  // method is registered raw (else nullptr); `start` nullptr: none.
  template <class Req, class Resp, class Start, class Fn>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx,
                                  grpc::ServerUnaryReactor* reactor, RawCall* raw,
                                  absl::string_view method, const Req* req, Resp* resp,
                                  Start&& start, Fn&& fn) {
    absl::Time start_time = absl::Now();
    log::RequestInfo info = RequestInfoFor(ctx, method);
    // Count first, then look at draining_: Drain() either sees this call or it is refused.
    in_flight_.fetch_add(1);
    if (draining_.load()) {
      Finish(reactor, raw, info, start_time, absl::UnavailableError("the server is shutting down; retry"));
      return reactor;
    }
    absl::StatusOr<auth::Principal> principal = Authenticate(ctx);
    if (!principal.ok()) {
      Finish(reactor, raw, info, start_time, principal.status());
      return reactor;
    }
    if constexpr (!std::is_same_v<std::decay_t<Start>, std::nullptr_t>) {
      log::ScopedRequest scope(info);
      Call call{*principal, info.request_id, DeadlineOf(ctx)};
      Later later(this, reactor, raw, &info, start_time);
      start(static_cast<const Call&>(call), *req, resp, later);
      if (later.taken()) return reactor;
    }
    executor_->Submit([this, ctx, reactor, raw, req, resp, info = std::move(info), start_time,
                       principal = *std::move(principal), fn = std::forward<Fn>(fn)]() mutable {
      log::ScopedRequest scope(info);
      absl::Status status;
      if (ctx->IsCancelled()) {
        status = absl::CancelledError("the caller cancelled the call");
      } else if (DeadlineOf(ctx) < absl::Now()) {
        status = absl::DeadlineExceededError("the call's deadline passed before it could start");
      } else {
        Call call{std::move(principal), info.request_id, DeadlineOf(ctx)};
        status = fn(static_cast<const Call&>(call), *req, resp);
      }
      Finish(reactor, raw, info, start_time, status);
    });
    return reactor;
  }

  // Replies (a raw call's reply sealed into gRPC's buffer first, and `raw` deleted), then
  // counts and logs the call.
  void Finish(grpc::ServerUnaryReactor* reactor, RawCall* raw, const log::RequestInfo& info,
              absl::Time start, const absl::Status& status);

  const auth::JwtVerifier* verifier_;
  Executor* executor_;
  Executor* read_executor_;
  Metrics* metrics_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
};

}  // namespace opsuite::server

// Declares the callback-API override of `Method` that runs `Do<Method>(call, req, resp)` (a
// member returning absl::Status) through `edge` — one line per RPC in a service class.
#define OPSUITE_UNARY(edge, service_name, Method, Req, Resp)                                  \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const Req* req,          \
                                   Resp* resp) override {                                     \
    return (edge)->Unary(ctx, service_name "/" #Method, req, resp,                            \
                         [this](const ::opsuite::server::Call& call, const Req& r, Resp* out) { \
                           return Do##Method(call, r, out);                                   \
                         });                                                                  \
  }

// The same, for an RPC that also has `void Start<Method>(call, req, resp, Edge::Later& later)`,
// given the call first on the gRPC thread (Edge::UnaryAsync). The method is registered raw: the
// service class derives from `<Service>::WithRawCallbackMethod_<Method><...>`, e.g.
//   class CustomerServiceImpl final : public v1::CustomerService::
//       WithRawCallbackMethod_GetCustomer<v1::CustomerService::CallbackService> {
// (without it this override overrides nothing and does not compile).
#define OPSUITE_UNARY_ASYNC(edge, service_name, Method, Req, Resp)                             \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,                          \
                                   const grpc::ByteBuffer* req, grpc::ByteBuffer* resp)       \
      override {                                                                              \
    return (edge)->UnaryAsync<Req, Resp>(                                                     \
        ctx, service_name "/" #Method, req, resp,                                             \
        [this](const ::opsuite::server::Call& call, const Req& r, Resp* out,                  \
               ::opsuite::server::Edge::Later& later) { Start##Method(call, r, out, later); }, \
        [this](const ::opsuite::server::Call& call, const Req& r, Resp* out) {                \
          return Do##Method(call, r, out);                                                    \
        });                                                                                   \
  }
