#include "atproto/crypto/did_document.hpp"

#include "atproto/syntax/identifier.hpp"

#include <simdjson.h>

namespace atproto::crypto {

namespace od = simdjson::ondemand;

namespace {

// Views into the parser's string buffer: valid until the next parse.
struct Entry {
    std::string_view id;
    std::string_view type;
    std::string_view value;  // publicKeyMultibase or serviceEndpoint
};

struct Raw {
    std::string_view id;
    std::vector<std::string_view> also_known_as;
    std::vector<Entry> methods;
    std::vector<Entry> services;
};

common::Error json_error(std::string_view what, simdjson::error_code code) {
    return {std::string(what) + ": " + simdjson::error_message(code)};
}

// A null member counts as absent.
bool is_null(od::value& value) {
    bool null = false;
    return !value.is_null().get(null) && null;
}

common::Result<void> read_strings(od::value value, std::vector<std::string_view>& out) {
    if (is_null(value)) return {};
    od::array array;
    if (auto err = value.get_array().get(array)) return tl::unexpected(json_error("alsoKnownAs", err));
    for (auto element : array) {
        std::string_view text;
        if (auto err = element.get_string().get(text)) return tl::unexpected(json_error("alsoKnownAs", err));
        out.push_back(text);
    }
    return {};
}

// Reads `id`, `type` and the string member `value_key` of every object in the array;
// a non-string value (e.g. a map serviceEndpoint) is left empty.
common::Result<void> read_entries(od::value value, std::string_view value_key, std::vector<Entry>& out) {
    if (is_null(value)) return {};
    od::array array;
    if (auto err = value.get_array().get(array)) return tl::unexpected(json_error(value_key, err));
    for (auto element : array) {
        od::object object;
        if (auto err = element.get_object().get(object)) return tl::unexpected(json_error(value_key, err));
        Entry entry;
        for (auto field : object) {
            std::string_view key;
            if (auto err = field.unescaped_key().get(key)) return tl::unexpected(json_error(value_key, err));
            std::string_view* target = key == "id" ? &entry.id
                                     : key == "type" ? &entry.type
                                     : key == value_key ? &entry.value
                                                        : nullptr;
            if (target != nullptr && field.value().get_string().get(*target)) *target = {};
        }
        out.push_back(entry);
    }
    return {};
}

common::Result<Raw> read_document(od::document& doc) {
    Raw raw;
    od::object root;
    if (auto err = doc.get_object().get(root)) return tl::unexpected(json_error("DID document", err));
    for (auto field : root) {
        std::string_view key;
        if (auto err = field.unescaped_key().get(key)) return tl::unexpected(json_error("DID document", err));
        common::Result<void> ok;
        if (key == "id") {
            if (auto err = field.value().get_string().get(raw.id)) return tl::unexpected(json_error("id", err));
        } else if (key == "alsoKnownAs") {
            ok = read_strings(field.value(), raw.also_known_as);
        } else if (key == "verificationMethod") {
            ok = read_entries(field.value(), "publicKeyMultibase", raw.methods);
        } else if (key == "service") {
            ok = read_entries(field.value(), "serviceEndpoint", raw.services);
        }
        if (!ok) return tl::unexpected(ok.error());
    }
    return raw;
}

// `#fragment` alone or `<did>#fragment`.
bool names_fragment(std::string_view id, std::string_view did, std::string_view fragment) {
    if (!id.ends_with(fragment)) return false;
    const auto prefix = id.substr(0, id.size() - fragment.size());
    return prefix.empty() || prefix == did;
}

common::Result<PublicKey> method_key(const Entry& method) {
    const bool multikey = method.type == "Multikey";
    const bool legacy_p256 = method.type == "EcdsaSecp256r1VerificationKey2019";
    const bool legacy_k256 = method.type == "EcdsaSecp256k1VerificationKey2019";
    if (!multikey && !legacy_p256 && !legacy_k256) {
        return common::fail("#atproto method has unsupported type '" + std::string(method.type) + "'");
    }
    if (method.value.empty()) return common::fail("#atproto method has no string publicKeyMultibase");
    if (multikey) return PublicKey::from_multikey(method.value);
    return PublicKey::from_legacy_multibase(legacy_p256 ? KeyType::p256 : KeyType::k256, method.value);
}

DidDocument resolve(const Raw& raw) {
    DidDocument out;
    out.id = raw.id;
    bool handle_seen = false;
    for (auto aka : raw.also_known_as) {
        out.also_known_as.emplace_back(aka);
        if (!handle_seen && aka.starts_with("at://")) {
            handle_seen = true;
            out.handle = syntax::normalize_handle(aka.substr(5));
        }
    }
    for (const auto& method : raw.methods) {
        if (!names_fragment(method.id, raw.id, "#atproto")) continue;
        auto key = method_key(method);
        if (key) out.signing_key = std::move(*key);
        else out.signing_key_error = key.error().message;
        break;
    }
    for (const auto& service : raw.services) {
        if (names_fragment(service.id, raw.id, "#atproto_pds") && service.type == "AtprotoPersonalDataServer" &&
            !service.value.empty()) {
            out.pds_endpoint = std::string(service.value);
            break;
        }
    }
    return out;
}

}  // namespace

struct DidDocumentParser::State {
    od::parser parser;
};

DidDocumentParser::DidDocumentParser() : state_(std::make_unique<State>()) {}
DidDocumentParser::~DidDocumentParser() = default;
DidDocumentParser::DidDocumentParser(DidDocumentParser&&) noexcept = default;
DidDocumentParser& DidDocumentParser::operator=(DidDocumentParser&&) noexcept = default;

common::Result<DidDocument> DidDocumentParser::parse(std::string_view json) {
    const simdjson::padded_string padded(json);
    od::document doc;
    if (auto err = state_->parser.iterate(padded).get(doc)) return tl::unexpected(json_error("DID document", err));
    auto raw = read_document(doc);
    if (!raw) return tl::unexpected(raw.error());
    if (!syntax::is_valid_did(raw->id)) return common::fail("DID document id is not a DID");
    return resolve(*raw);
}

common::Result<DidDocument> parse_did_document(std::string_view json) {
    DidDocumentParser parser;
    return parser.parse(json);
}

}  // namespace atproto::crypto
