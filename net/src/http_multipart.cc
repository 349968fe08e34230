// POCO adapter for multipart/form-data: Poco::Net::MultipartReader splits
// the parts; callers only ever see MultipartPart.
#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>

#include <cctype>
#include <istream>
#include <iterator>
#include <sstream>

#include "zhanqun/net/http.h"

namespace zhanqun::net {
namespace {

base::Result<std::string> BoundaryOf(const std::string& content_type) {
  std::string type;
  Poco::Net::NameValueCollection params;
  Poco::Net::MessageHeader::splitParameters(content_type, type, params);
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type != "multipart/form-data") {
    return base::Status::Invalid("Content-Type: expected multipart/form-data, got '" +
                                 content_type + "'");
  }
  std::string boundary = params.get("boundary", "");
  if (boundary.empty())
    return base::Status::Invalid("Content-Type: multipart/form-data without boundary");
  return boundary;
}

base::Result<MultipartPart> ReadPart(Poco::Net::MultipartReader& reader, std::size_t index) {
  Poco::Net::MessageHeader header;
  reader.nextPart(header);
  MultipartPart part;
  std::string disposition;
  Poco::Net::NameValueCollection params;
  Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                            params);
  part.name = params.get("name", "");
  if (part.name.empty()) {
    return base::Status::Invalid("multipart part " + std::to_string(index) +
                                 ": Content-Disposition has no name");
  }
  part.filename = params.get("filename", "");
  part.content_type = header.get("Content-Type", "");
  std::istream& in = reader.stream();
  part.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return part;
}

}  // namespace

base::Result<std::vector<MultipartPart>> ParseMultipartFormData(const std::string& content_type,
                                                                const std::string& body) {
  base::Result<std::string> boundary = BoundaryOf(content_type);
  if (!boundary.ok()) return boundary.status();
  std::istringstream in(body);
  std::vector<MultipartPart> out;
  try {
    Poco::Net::MultipartReader reader(in, *boundary);
    while (reader.hasNextPart()) {
      base::Result<MultipartPart> part = ReadPart(reader, out.size());
      if (!part.ok()) return part.status();
      out.push_back(std::move(part).value());
    }
  } catch (const Poco::Exception& e) {
    return base::Status::Invalid("multipart body: " + e.displayText());
  } catch (const std::exception& e) {
    return base::Status::Invalid(std::string("multipart body: ") + e.what());
  }
  return out;
}

}  // namespace zhanqun::net
