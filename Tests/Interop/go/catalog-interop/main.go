// A gRPC client that is not ours: grpc-go (Debian's golang-google-grpc-dev) calling catalogd's
// gRPC listener as a Go service would, and printing what it saw as one JSON object, for
// Tests/EndToEndTests/GoInteropTests to check. Catalog messages are written and read by field
// number (github.com/golang/protobuf's Buffer): no generated code, so nothing but Debian's
// packages is needed to build it (GO111MODULE=off GOPATH=<dir>:/usr/share/gocode, by scripts/test).
//
//	catalog-interop --server 127.0.0.1:7444 --ca cert.pem --username admin (password in CATALOG_PASSWORD)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/golang/protobuf/proto"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflection "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
)

// rawCodec carries catalog messages as bytes; the health and reflection messages, which are
// generated here, go through the proto codec as usual.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if bytes, ok := v.(*[]byte); ok {
		return *bytes, nil
	}
	return proto.Marshal(v.(proto.Message))
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	if bytes, ok := v.(*[]byte); ok {
		*bytes = append([]byte(nil), data...)
		return nil
	}
	return proto.Unmarshal(data, v.(proto.Message))
}

func (rawCodec) Name() string { return "proto" }

// Outcome is one call's result as a Go client sees it.
type Outcome struct {
	Code    string   `json:"code"`
	Message string   `json:"message,omitempty"`
	Fields  []string `json:"fields,omitempty"`
}

func outcome(err error) Outcome {
	st := status.Convert(err)
	result := Outcome{Code: st.Code().String(), Message: st.Message()}
	for _, detail := range st.Details() {
		if request, ok := detail.(*errdetails.BadRequest); ok {
			for _, violation := range request.GetFieldViolations() {
				result.Fields = append(result.Fields, violation.GetField())
			}
		}
	}
	return result
}

// field writes one length-delimited field (strings and messages).
func field(buffer *proto.Buffer, number uint64, value string) {
	_ = buffer.EncodeVarint(number<<3 | 2)
	_ = buffer.EncodeStringBytes(value)
}

// stringField reads the first length-delimited field `number` of a message.
func stringField(message []byte, number uint64) string {
	buffer := proto.NewBuffer(message)
	for {
		key, err := buffer.DecodeVarint()
		if err != nil || key == 0 {
			return ""
		}
		switch key & 7 {
		case 0:
			_, _ = buffer.DecodeVarint()
		case 1:
			_, _ = buffer.DecodeFixed64()
		case 5:
			_, _ = buffer.DecodeFixed32()
		case 2:
			value, err := buffer.DecodeStringBytes()
			if err != nil {
				return ""
			}
			if key>>3 == number {
				return value
			}
		default:
			return ""
		}
	}
}

func main() {
	server := flag.String("server", "127.0.0.1:7444", "catalogd's gRPC listener")
	ca := flag.String("ca", "", "the CA (or self-signed certificate) to trust")
	username := flag.String("username", "admin", "an admin, whose password is in CATALOG_PASSWORD")
	flag.Parse()

	creds, err := credentials.NewClientTLSFromFile(*ca, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "--ca:", err)
		os.Exit(2)
	}
	connection, err := grpc.Dial(*server, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "--server:", err)
		os.Exit(2)
	}
	defer connection.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seen := map[string]interface{}{}

	health := grpc_health_v1.NewHealthClient(connection)
	if answer, err := health.Check(ctx, &grpc_health_v1.HealthCheckRequest{}); err == nil {
		seen["health"] = answer.GetStatus().String()
	} else {
		seen["health"] = outcome(err)
	}
	_, err = health.Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "no.such.Service"})
	seen["health_unknown_service"] = outcome(err)

	// A watch with a deadline: the current status, then DEADLINE_EXCEEDED when it passes.
	watchContext, watchCancel := context.WithTimeout(ctx, 500*time.Millisecond)
	watch, err := health.Watch(watchContext, &grpc_health_v1.HealthCheckRequest{})
	var watched []string
	for err == nil {
		var update *grpc_health_v1.HealthCheckResponse
		update, err = watch.Recv()
		if err == nil {
			watched = append(watched, update.GetStatus().String())
		}
	}
	watchCancel()
	seen["watch"] = map[string]interface{}{"statuses": watched, "end": outcome(err)}

	get := func(sku string, ctx context.Context) (string, Outcome) {
		var request proto.Buffer
		field(&request, 1, sku)
		body := request.Bytes()
		var answer []byte
		err := connection.Invoke(ctx, "/catalog.v1.ProductService/GetProduct", &body, &answer)
		return stringField(answer, 2), outcome(err)
	}
	_, seen["get_unknown"] = get("00000000-0000-4000-8000-000000000000", ctx)
	_, seen["get_invalid"] = get("not-a-uuid", ctx)

	// Login, then an admin call with its token as metadata, and one without.
	var login proto.Buffer
	field(&login, 1, *username)
	field(&login, 2, os.Getenv("CATALOG_PASSWORD"))
	loginBody := login.Bytes()
	var pair []byte
	err = connection.Invoke(ctx, "/catalog.v1.AuthService/Login", &loginBody, &pair)
	seen["login"] = outcome(err)
	token := stringField(pair, 1)

	var create proto.Buffer
	field(&create, 1, "Go lamp")
	field(&create, 2, "Gopher")
	_ = create.EncodeVarint(3<<3 | 0)
	_ = create.EncodeVarint(1999)
	createBody := create.Bytes()
	var created []byte
	err = connection.Invoke(ctx, "/catalog.v1.ProductService/CreateProduct", &createBody, &created)
	seen["create_anonymous"] = outcome(err)
	admin := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	err = connection.Invoke(admin, "/catalog.v1.ProductService/CreateProduct", &createBody, &created)
	seen["create_as_admin"] = outcome(err)
	sku := stringField(created, 1)
	name, read := get(sku, ctx)
	seen["get_created"] = map[string]interface{}{"outcome": read, "name": name}

	// Reflection, as grpcurl lists services.
	stream, err := reflection.NewServerReflectionClient(connection).ServerReflectionInfo(ctx)
	if err == nil {
		err = stream.Send(&reflection.ServerReflectionRequest{
			MessageRequest: &reflection.ServerReflectionRequest_ListServices{ListServices: "*"},
		})
	}
	var services []string
	if err == nil {
		var answer *reflection.ServerReflectionResponse
		answer, err = stream.Recv()
		if err == nil {
			for _, service := range answer.GetListServicesResponse().GetService() {
				services = append(services, service.GetName())
			}
		}
		_ = stream.CloseSend()
		if _, end := stream.Recv(); end != io.EOF && end != nil && err == nil {
			err = end
		}
	}
	seen["reflection"] = map[string]interface{}{"services": services, "outcome": outcome(err)}

	encoder := json.NewEncoder(os.Stdout)
	if err := encoder.Encode(seen); err != nil {
		os.Exit(2)
	}
}
