// Status and Result<T>: expected failures as values.
//
// A Status is either OK or carries a Code and a message a person can act on
// (which field or input, what was expected, what was found). Result<T> holds a
// T or a non-OK Status. Both are cheap to move and are not thread-safe to
// mutate concurrently (treat them as values).
#ifndef ZHANQUN_BASE_STATUS_H_
#define ZHANQUN_BASE_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace zhanqun::base {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // malformed or out-of-rule input; message names it
  kNotFound,
  kAlreadyExists,
  kCorruption,          // stored or received bytes fail an integrity check
  kUnauthenticated,     // signature, token or key does not verify
  kPermissionDenied,    // file mode or role forbids it
  kFailedPrecondition,  // chain rule violated: gap, replay, fork
  kResourceExhausted,   // a size or depth limit was exceeded
  kUnavailable,         // network or peer failure; worth retrying
  kIoError,
  kInternal,
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status Precondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status Exhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string ToString() const;
  // Returns a copy whose message is "<context>: <message>".
  Status Context(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok() for a meaningful status; returns Ok() when holding a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace zhanqun::base

#define ZQ_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::zhanqun::base::Status _zq_s = (expr); \
    if (!_zq_s.ok()) return _zq_s;          \
  } while (0)

#endif  // ZHANQUN_BASE_STATUS_H_
