#include "record/s3_xml.h"

#include <charconv>

#include "record/object_store.h"

namespace stagecast::record {
namespace {

// Where element `name` starts at or after `from`: "<name>", "<name ...>" or "<name/>". Returns
// the position after its start tag, and whether it was self-closing.
struct StartTag {
  size_t content = 0;
  bool empty = false;
};

std::optional<StartTag> find_start(std::string_view xml, std::string_view name, size_t from) {
  while (from < xml.size()) {
    const size_t lt = xml.find('<', from);
    if (lt == std::string_view::npos) return std::nullopt;
    const size_t after = lt + 1;
    if (xml.size() - after >= name.size() && xml.substr(after, name.size()) == name) {
      const size_t end_name = after + name.size();
      if (end_name >= xml.size()) return std::nullopt;
      const char c = xml[end_name];
      if (c == '>' || c == ' ' || c == '/' || c == '\t' || c == '\r' || c == '\n') {
        const size_t gt = xml.find('>', end_name);
        if (gt == std::string_view::npos) return std::nullopt;
        return StartTag{gt + 1, gt > end_name && xml[gt - 1] == '/'};
      }
    }
    from = after;
  }
  return std::nullopt;
}

// The inner text of each `name` element; raw (entities not decoded).
template <typename F>
void for_each_raw(std::string_view xml, std::string_view name, F&& f) {
  if (name.empty()) return;
  const std::string close = "</" + std::string(name) + ">";
  size_t from = 0;
  while (auto start = find_start(xml, name, from)) {
    if (start->empty) {
      if (!f(std::string_view{})) return;
      from = start->content;
      continue;
    }
    const size_t end = xml.find(close, start->content);
    if (end == std::string_view::npos) return;  // unterminated: stop, never read past the end
    if (!f(xml.substr(start->content, end - start->content))) return;
    from = end + close.size();
  }
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<std::string> text_of(std::string_view xml, std::string_view name) {
  auto raw = xml_first_raw(xml, name);
  if (!raw) return std::nullopt;
  return xml_decode_text(*raw);
}

std::optional<uint64_t> number_of(std::string_view xml, std::string_view name) {
  auto t = text_of(xml, name);
  if (!t || t->empty() || t->size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || ptr != t->data() + t->size()) return std::nullopt;
  return v;
}

bool is_true(std::string_view xml, std::string_view name) {
  auto t = text_of(xml, name);
  return t && *t == "true";
}

Error bad(std::string what) {
  return make_error(errc::kBadResponse, "the object store's answer is unreadable: " + what);
}

Error error_from(const S3ErrorBody& e) {
  return make_error(errc::kUnavailable, "the object store answered " + e.code + ": " + e.message);
}

}  // namespace

std::optional<std::string> xml_decode_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
      return std::nullopt;
    if (c == '<') return std::nullopt;  // markup inside text: not a text element
    if (c != '&') {
      out.push_back(c);
      ++i;
      continue;
    }
    const size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return std::nullopt;
    const std::string_view ref = raw.substr(i + 1, semi - i - 1);
    if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
          cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return std::nullopt;
      append_utf8(out, cp);
    } else {
      return std::nullopt;
    }
    i = semi + 1;
  }
  return out;
}

std::vector<std::string> xml_elements(std::string_view xml, std::string_view name) {
  std::vector<std::string> out;
  for_each_raw(xml, name, [&](std::string_view raw) {
    if (auto t = xml_decode_text(raw)) out.push_back(std::move(*t));
    return out.size() < 100'000;  // S3 pages hold at most 1,000 entries
  });
  return out;
}

std::optional<std::string_view> xml_first_raw(std::string_view xml, std::string_view name) {
  std::optional<std::string_view> found;
  for_each_raw(xml, name, [&](std::string_view raw) {
    found = raw;
    return false;
  });
  return found;
}

std::optional<S3ErrorBody> parse_s3_error(std::string_view xml) {
  auto body = xml_first_raw(xml, "Error");
  if (!body) return std::nullopt;
  S3ErrorBody e;
  e.code = text_of(*body, "Code").value_or("");
  if (e.code.empty() || e.code.size() > 100) return std::nullopt;
  e.message = text_of(*body, "Message").value_or("");
  if (e.message.size() > 300) e.message.resize(300);
  return e;
}

Result<std::string> parse_initiate_multipart(std::string_view xml) {
  auto result = xml_first_raw(xml, "InitiateMultipartUploadResult");
  if (!result) return bad("no InitiateMultipartUploadResult");
  auto id = text_of(*result, "UploadId");
  if (!id || id->empty() || id->size() > 1024) return bad("no UploadId");
  return *id;
}

Result<S3ObjectPage> parse_list_objects(std::string_view xml) {
  auto result = xml_first_raw(xml, "ListBucketResult");
  if (!result) return bad("no ListBucketResult");
  S3ObjectPage page;
  bool ok = true;
  for_each_raw(*result, "Contents", [&](std::string_view contents) {
    auto key = text_of(contents, "Key");
    auto size = number_of(contents, "Size");
    if (!key || key->empty() || !size) {
      ok = false;
      return false;
    }
    page.objects.push_back(S3ListedObject{std::move(*key), *size});
    return page.objects.size() < 100'000;
  });
  if (!ok) return bad("a Contents entry without Key or Size");
  page.truncated = is_true(*result, "IsTruncated");
  page.continuation_token = text_of(*result, "NextContinuationToken").value_or("");
  if (page.truncated && page.continuation_token.empty())
    return bad("truncated list without NextContinuationToken");
  return page;
}

Result<S3UploadPage> parse_list_multipart_uploads(std::string_view xml) {
  auto result = xml_first_raw(xml, "ListMultipartUploadsResult");
  if (!result) return bad("no ListMultipartUploadsResult");
  S3UploadPage page;
  bool ok = true;
  for_each_raw(*result, "Upload", [&](std::string_view upload) {
    auto key = text_of(upload, "Key");
    auto id = text_of(upload, "UploadId");
    if (!key || key->empty() || !id || id->empty()) {
      ok = false;
      return false;
    }
    page.uploads.push_back(S3ListedUpload{std::move(*key), std::move(*id)});
    return page.uploads.size() < 100'000;
  });
  if (!ok) return bad("an Upload entry without Key or UploadId");
  page.truncated = is_true(*result, "IsTruncated");
  page.next_key_marker = text_of(*result, "NextKeyMarker").value_or("");
  page.next_upload_id_marker = text_of(*result, "NextUploadIdMarker").value_or("");
  if (page.truncated && page.next_key_marker.empty())
    return bad("truncated upload list without NextKeyMarker");
  return page;
}

Result<void> parse_complete_multipart(std::string_view xml) {
  if (auto e = parse_s3_error(xml)) return error_from(*e);
  if (!xml_first_raw(xml, "CompleteMultipartUploadResult"))
    return bad("no CompleteMultipartUploadResult");
  return ok_result();
}

Result<void> parse_copy_object(std::string_view xml) {
  if (auto e = parse_s3_error(xml)) return error_from(*e);
  if (!xml_first_raw(xml, "CopyObjectResult")) return bad("no CopyObjectResult");
  return ok_result();
}

}  // namespace stagecast::record
