# opsuite_proto_library(<target> PROTOS <files relative to an include root> ROOT <dir>
#                       [GRPC] [DEPS <proto libraries>])
# Generates C++ (and gRPC stubs) once into ${OPSUITE_GEN_DIR} and compiles them into one
# static library, so generated code is compiled exactly once per build.
set(OPSUITE_GEN_DIR ${CMAKE_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${OPSUITE_GEN_DIR})
set(OPSUITE_GOOGLEAPIS_DIR
    /usr/share/gocode/src/github.com/grpc-ecosystem/grpc-gateway/third_party/googleapis)
set(OPSUITE_GRPC_PROTO_DIR /usr/share/grpc-proto)
set(OPSUITE_PROTO_INCLUDES
    -I${CMAKE_SOURCE_DIR}/proto -I${OPSUITE_GOOGLEAPIS_DIR} -I${OPSUITE_GRPC_PROTO_DIR}
    -I/usr/include)
get_target_property(OPSUITE_GRPC_PLUGIN gRPC::grpc_cpp_plugin LOCATION)

function(opsuite_proto_library target)
  cmake_parse_arguments(P "GRPC" "ROOT" "PROTOS;DEPS" ${ARGN})
  set(srcs)
  set(abs_protos)
  foreach(proto ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(out ${OPSUITE_GEN_DIR}/${stem}.pb.cc ${OPSUITE_GEN_DIR}/${stem}.pb.h)
    set(args --cpp_out=${OPSUITE_GEN_DIR})
    if(P_GRPC)
      list(APPEND out ${OPSUITE_GEN_DIR}/${stem}.grpc.pb.cc ${OPSUITE_GEN_DIR}/${stem}.grpc.pb.h)
      list(APPEND args --grpc_out=${OPSUITE_GEN_DIR} --plugin=protoc-gen-grpc=${OPSUITE_GRPC_PLUGIN})
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND protobuf::protoc ${OPSUITE_PROTO_INCLUDES} ${args} ${proto}
      DEPENDS ${P_ROOT}/${proto} protobuf::protoc
      WORKING_DIRECTORY ${P_ROOT}
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND srcs ${OPSUITE_GEN_DIR}/${stem}.pb.cc)
    if(P_GRPC)
      list(APPEND srcs ${OPSUITE_GEN_DIR}/${stem}.grpc.pb.cc)
    endif()
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${OPSUITE_GEN_DIR})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${P_DEPS})
  # Generated code is not ours to warn about.
  target_compile_options(${target} PRIVATE -w)
endfunction()
