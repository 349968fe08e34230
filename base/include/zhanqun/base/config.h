// Reading a JSON configuration object into a plain struct, collecting one
// problem line per bad setting instead of stopping at the first, so that an
// operator fixes a file in one pass (docs/operations.md). Every line names
// its setting: "<prefix><key>: <what was expected>[, got '<value>']".
//
// A ConfigReader is one object (a file's top level, or a section such as
// "accounts" or "sources[1]"); sections are read by child readers whose
// problems flow into the parent. Not thread-safe; use it while parsing only.
#ifndef ZHANQUN_BASE_CONFIG_H_
#define ZHANQUN_BASE_CONFIG_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::base {

class ConfigReader {
 public:
  // Reads `json_text`. When it is not a JSON object, the reader holds one
  // problem, "<prefix>expected an object" ("not a JSON object" at the top
  // level) and every getter returns its default. Relative paths (Path) are
  // resolved against `base_dir` when it is not empty.
  static ConfigReader Parse(std::string_view json_text, std::string prefix = "",
                            std::string base_dir = "");
  ConfigReader(ConfigReader&&) noexcept;
  ConfigReader& operator=(ConfigReader&&) noexcept;
  ~ConfigReader();

  bool is_object() const;
  bool Has(const char* key) const;
  // "<key>: unknown setting" for every member not in `known`.
  void CheckKnown(std::initializer_list<const char*> known);
  void CheckKnown(const std::vector<std::string>& known);

  // A non-empty string; "" when absent (a problem if `required`).
  std::string Str(const char* key, bool required);
  // Str, resolved against base_dir when relative.
  std::string Path(const char* key, bool required);
  // Str that must start with http:// or https://; trailing slashes dropped.
  std::string Url(const char* key, bool required);
  // An integer in [lo, hi]; `dflt` when absent or bad.
  long Int(const char* key, long lo, long hi, long dflt);
  bool Bool(const char* key, bool dflt);
  // An array of non-empty strings; empty when absent.
  std::vector<std::string> Strings(const char* key);
  // "host:port" with a port in 0..65535; false (and a problem when present
  // but malformed, or absent and `required`) when not set.
  bool HostPort(const char* key, bool required, std::string* host, int* port);
  // The member as JSON text, "" when absent: hands a section to the parser
  // of the layer that owns it.
  std::string Raw(const char* key) const;
  // The member `key` read as an object, its problems prefixed "<key>.".
  // Absent: an empty object. REQUIRES: the child is consumed (its problems
  // merged with Merge) before this reader reports.
  ConfigReader Object(const char* key);

  // Adds "<prefix><line>".
  void Problem(const std::string& line);
  // Adds lines already complete (from another parser), unprefixed.
  void AddProblems(const std::vector<std::string>& lines);
  // Adds a child reader's problems.
  void Merge(const ConfigReader& child);
  const std::vector<std::string>& problems() const;
  // OK, or kInvalidArgument with one problem per line.
  Status Check() const;

 private:
  struct Impl;
  explicit ConfigReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads a configuration file and parses it with `parse(text, base_dir)`,
// where base_dir is the file's directory; every problem line of a failure
// is prefixed with the file's path ("/etc/zhanqun/hub.json: listen: ...").
// kNotFound when the file cannot be read.
template <typename T, typename Parse>
Result<T> LoadConfigFile(const std::string& path, Parse parse);

// The non-template parts of LoadConfigFile.
Result<std::string> ReadConfigText(const std::string& path);
std::string ConfigDir(const std::string& path);
Status PrefixLines(const Status& s, const std::string& path);

template <typename T, typename Parse>
Result<T> LoadConfigFile(const std::string& path, Parse parse) {
  Result<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  Result<T> c = parse(*text, ConfigDir(path));
  if (!c.ok()) return PrefixLines(c.status(), path);
  return c;
}

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_CONFIG_H_
