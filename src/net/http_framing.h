#pragma once
// Request framing checks of RFC 9112 that Beast's parser leaves to its user. A request whose
// length could be read two ways is how a request is smuggled past a proxy: the server answers
// 400 and closes the connection (6.3: "the server MUST respond with a 400 (Bad Request) status
// code and then close the connection"), so nothing after it is read as another request.

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <optional>
#include <string>

namespace stagecast::net {

using RequestHeader = boost::beast::http::request_header<boost::beast::http::fields>;

// Why the request's framing is refused, or nullopt when it is unambiguous:
// - Transfer-Encoding in an HTTP/1.0 request (6.1: a 1.0 recipient would not understand it);
// - a Transfer-Encoding whose final coding is not "chunked", "chunked" applied twice, an empty or
//   malformed coding list, codings with parameters, or several Transfer-Encoding field lines
//   (6.1, 6.3 rule 4; stricter than the RFC where intermediaries disagree);
// - Transfer-Encoding together with Content-Length (6.3 rule 3: treated as smuggling);
// - more than one Content-Length, or one that is not a plain decimal number (6.3 rule 5);
// - no Host, or more than one, in an HTTP/1.1 request (RFC 9112 3.2: "MUST respond with a 400").
std::optional<std::string> framing_problem(const RequestHeader& header);

}  // namespace stagecast::net
