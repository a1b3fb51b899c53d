package dev.mambajvm.compiler;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.BreakTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.DoWhileLoopTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.WhileLoopTree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.mambajvm.lang.DType;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates one {@code @Kernel} or {@code @DeviceFunction} method to C in one dialect.
 *
 * <p>The input is javac's attributed tree (every expression has its Java type), so the translation
 * is structural: a Java {@code for} becomes a C {@code for}, names are kept, and precedence is the
 * same in both languages, so the source's own parentheses suffice. The few rewrites are the
 * kernel-language calls ({@code a.get(i)} becomes {@code a[i]}, {@code ctx.globalIdx} becomes the
 * dialect's built-in) and the places where Java and C differ ({@code >>>}, float literals).
 *
 * <p>Anything outside the kernel subset is reported as an error at its tree (hence its file:line)
 * and naming the construct; translation then continues so one compile shows every error.
 */
final class KernelTranslator {

    /** An error found at {@code tree}. */
    record Problem(Tree tree, String message) {
    }

    /** The result for one method in one dialect. */
    record Translated(String text, Set<String> helpers, Set<ExecutableElement> calls, boolean usesBarrier,
                      List<KernelParam> params) {
    }

    static final String CONTEXT = "dev.mambajvm.lang.KernelContext";
    static final String KERNEL_MATH = "dev.mambajvm.lang.KernelMath";
    static final String CONSTANT = "dev.mambajvm.lang.Constant";
    static final String UNROLL = "dev.mambajvm.lang.Unroll";
    static final String DEVICE_FUNCTION = "dev.mambajvm.lang.DeviceFunction";

    private static final Map<String, DType> ARRAY_TYPES = Map.of(
            "dev.mambajvm.lang.FloatArray", DType.F32,
            "dev.mambajvm.lang.HalfArray", DType.F16,
            "dev.mambajvm.lang.BFloat16Array", DType.BF16,
            "dev.mambajvm.lang.IntArray", DType.I32,
            "dev.mambajvm.lang.LongArray", DType.I64);

    /** KernelContext fields: name prefix -> built-in kind; the last letter (X/Y/Z or x/y/z) is the dimension. */
    private static final Map<String, String> CONTEXT_FIELDS = Map.of(
            "globalId", "globalId", "localId", "localId", "groupId", "groupId",
            "globalGroupSize", "globalSize", "localGroupSize", "localSize");

    private static final Set<String> MATH_FUNCTIONS = Set.of("exp", "exp2", "exp2Ftz", "log", "sqrt", "tanh", "pow",
            "fma", "abs", "min", "max", "sin", "cos", "floor", "ceil", "log1p", "expm1", "rsqrt", "roundToTf32");

    /**
     * Names that Java allows but that C, CUDA or OpenCL reserve or that the generated code uses;
     * a Java identifier in this set is emitted with a trailing underscore.
     */
    private static final Set<String> C_RESERVED = Set.of("auto", "register", "signed", "unsigned", "struct",
            "union", "typedef", "extern", "inline", "restrict", "sizeof", "half", "uint", "ushort", "uchar", "ulong",
            "size_t", "bool", "global", "local", "constant", "private", "kernel", "read_only", "write_only",
            "exp", "log", "sqrt", "tanh", "pow", "fma", "fabs", "fmin", "fmax", "min", "max", "sin", "cos",
            "floor", "ceil", "log1p", "expm1", "rsqrt", "exp2", "exp2f", "abs", "barrier", "expf", "logf", "sqrtf", "tanhf", "powf",
            "fmaf", "fabsf", "fminf", "fmaxf", "threadIdx", "blockIdx", "blockDim", "gridDim", "asm", "volatile",
            "NAN", "INFINITY", "native_exp2", "vload_half", "vstore_half_rte", "as_int", "as_float", "as_uint");

    private final Trees trees;
    private final CompilationUnitTree unit;
    private final CDialect c;
    private final List<Problem> problems;

    private final Set<String> helpers = new LinkedHashSet<>();
    private final Set<ExecutableElement> calls = new LinkedHashSet<>();
    private final Set<String> writtenArrays = new HashSet<>();
    private final Set<String> constantParams = new HashSet<>();
    /** Names of the kernel's local-memory arrays and of its private arrays (mmaTf32 checks its operands). */
    private final Set<String> localArrays = new HashSet<>();
    private final Set<String> privateArrays = new HashSet<>();
    private boolean usesBarrier;
    private boolean isKernel;
    private String contextName;
    private MethodTree method;

    KernelTranslator(Trees trees, CompilationUnitTree unit, CDialect dialect, List<Problem> problems) {
        this.trees = trees;
        this.unit = unit;
        this.c = dialect;
        this.problems = problems;
    }

    // ------------------------------------------------------------------ the method

    Translated translate(MethodTree m, ExecutableElement element, boolean kernel) {
        this.method = m;
        this.isKernel = kernel;
        String name = m.getName().toString();
        if (!element.getModifiers().contains(Modifier.STATIC)) {
            error(m, (kernel ? "kernel" : "device function") + " " + name + " must be static");
        }
        if (!element.getTypeParameters().isEmpty()) {
            error(m, "kernel code cannot be generic (" + name + ")");
        }
        if (m.getBody() == null) {
            error(m, name + " has no body");
            return new Translated("", helpers, calls, false, List.of());
        }
        List<KernelParam> params = new ArrayList<>();
        List<String> cParams = new ArrayList<>();
        List<? extends VariableTree> ps = m.getParameters();
        // First pass over the body: which arrays are written (read-only ones become const).
        collectWrites(m.getBody());
        for (int i = 0; i < ps.size(); i++) {
            VariableTree p = ps.get(i);
            TypeMirror t = typeOfDecl(p);
            String pName = p.getName().toString();
            boolean constant = hasAnnotation(p, CONSTANT);
            if (kernel && i == 0) {
                if (!isContext(t)) {
                    error(p, "the first parameter of kernel " + name + " must be a KernelContext");
                }
                contextName = pName;
                params.add(new KernelParam(pName, KernelParam.Kind.CONTEXT, null, null, false));
                continue;
            }
            if (isContext(t)) {
                error(p, kernel ? "KernelContext must be the first parameter only"
                        : "device function " + name + " cannot take a KernelContext: pass the ids it needs as ints");
                continue;
            }
            DType dtype = arrayDType(t);
            if (dtype != null) {
                if (constant) {
                    error(p, "@Constant applies to int and float parameters, not to arrays (" + pName + ")");
                }
                boolean written = writtenArrays.contains(pName);
                params.add(new KernelParam(pName, KernelParam.Kind.ARRAY, dtype, null, written));
                cParams.add(c.globalPointer() + (written ? "" : "const ") + c.storageType(dtype) + "* " + id(pName));
                continue;
            }
            String scalar = scalarTypeName(t);
            if (scalar == null) {
                error(p, "parameter " + pName + " of type " + t + " is not supported in kernels (use int, long, float,"
                        + " FloatArray, HalfArray, BFloat16Array, IntArray or LongArray)");
                continue;
            }
            if (constant) {
                if (!kernel) {
                    error(p, "@Constant applies to kernel parameters, not to device function " + name);
                }
                if (!scalar.equals("int") && !scalar.equals("float")) {
                    error(p, "@Constant applies to int and float parameters, not " + scalar + " (" + pName + ")");
                }
                constantParams.add(pName);
                params.add(new KernelParam(pName, KernelParam.Kind.CONSTANT, null, scalar, false));
                continue;
            }
            params.add(new KernelParam(pName, KernelParam.Kind.SCALAR, null, scalar, false));
            cParams.add(cType(t, p) + " " + id(pName));
        }
        if (kernel && ps.isEmpty()) {
            error(m, "kernel " + name + " must take a KernelContext as its first parameter");
        }
        String returnType;
        TypeMirror ret = element.getReturnType();
        if (kernel) {
            if (ret.getKind() != TypeKind.VOID) {
                error(m, "kernel " + name + " must return void");
            }
            returnType = c.kernelQualifier();
        } else {
            returnType = c.deviceFunctionQualifier() + " " + (ret.getKind() == TypeKind.VOID ? "void" : cType(ret, m));
        }
        StringBuilder out = new StringBuilder();
        out.append(returnType).append(' ').append(id(name)).append('(').append(String.join(", ", cParams)).append(") ");
        block(m.getBody(), out, 0, true);
        out.append('\n');
        return new Translated(out.toString(), helpers, calls, usesBarrier, params);
    }

    // ------------------------------------------------------------------ statements

    private void block(BlockTree b, StringBuilder out, int depth, boolean kernelTop) {
        out.append("{\n");
        for (StatementTree s : b.getStatements()) {
            statement(s, out, depth + 1, kernelTop);
        }
        indent(out, depth).append("}");
    }

    private void statement(StatementTree s, StringBuilder out, int depth, boolean kernelTop) {
        switch (s) {
            case BlockTree b -> {
                indent(out, depth);
                block(b, out, depth, false);
                out.append('\n');
            }
            case VariableTree v -> {
                indent(out, depth).append(declaration(v, kernelTop)).append(';');
                lineComment(out, s);
            }
            case ExpressionStatementTree e -> {
                indent(out, depth).append(expr(e.getExpression())).append(';');
                lineComment(out, s);
            }
            case IfTree i -> {
                indent(out, depth).append("if (").append(expr(stripParens(i.getCondition()))).append(") ");
                body(i.getThenStatement(), out, depth);
                StatementTree elseStmt = i.getElseStatement();
                while (elseStmt != null) {
                    out.append(" else ");
                    if (elseStmt instanceof IfTree elseIf) {
                        out.append("if (").append(expr(stripParens(elseIf.getCondition()))).append(") ");
                        body(elseIf.getThenStatement(), out, depth);
                        elseStmt = elseIf.getElseStatement();
                    } else {
                        body(elseStmt, out, depth);
                        elseStmt = null;
                    }
                }
                out.append('\n');
            }
            case ForLoopTree f -> {
                if (!f.getInitializer().isEmpty() && f.getInitializer().getFirst() instanceof VariableTree v
                        && hasAnnotation(v, UNROLL)) {
                    indent(out, depth).append("#pragma unroll\n");
                }
                indent(out, depth).append("for (").append(forInit(f)).append("; ")
                        .append(f.getCondition() == null ? "" : expr(f.getCondition())).append("; ");
                List<String> updates = new ArrayList<>();
                for (ExpressionStatementTree u : f.getUpdate()) {
                    updates.add(expr(u.getExpression()));
                }
                out.append(String.join(", ", updates)).append(") ");
                body(f.getStatement(), out, depth);
                out.append('\n');
            }
            case WhileLoopTree w -> {
                indent(out, depth).append("while (").append(expr(stripParens(w.getCondition()))).append(") ");
                body(w.getStatement(), out, depth);
                out.append('\n');
            }
            case DoWhileLoopTree d -> {
                indent(out, depth).append("do ");
                body(d.getStatement(), out, depth);
                out.append(" while (").append(expr(stripParens(d.getCondition()))).append(");\n");
            }
            case BreakTree b -> {
                if (b.getLabel() != null) {
                    error(s, "labeled break is not supported in kernels");
                }
                indent(out, depth).append("break;\n");
            }
            case ContinueTree k -> {
                if (k.getLabel() != null) {
                    error(s, "labeled continue is not supported in kernels");
                }
                indent(out, depth).append("continue;\n");
            }
            case ReturnTree r -> {
                indent(out, depth).append("return");
                if (r.getExpression() != null) {
                    out.append(' ').append(expr(r.getExpression()));
                }
                out.append(';');
                lineComment(out, s);
            }
            default -> {
                if (s.getKind() == Tree.Kind.EMPTY_STATEMENT) {
                    return;
                }
                error(s, describe(s) + " is not supported in kernels");
            }
        }
    }

    /** Loop and branch bodies are always emitted as braced blocks. */
    private void body(StatementTree s, StringBuilder out, int depth) {
        if (s instanceof BlockTree b) {
            block(b, out, depth, false);
        } else {
            out.append("{\n");
            statement(s, out, depth + 1, false);
            indent(out, depth).append('}');
        }
    }

    private String forInit(ForLoopTree f) {
        List<? extends StatementTree> init = f.getInitializer();
        if (init.isEmpty()) {
            return "";
        }
        if (init.getFirst() instanceof VariableTree first) {
            // javac splits "int i = 0, j = n" into two declarations: C wants one, with one type.
            String type = cType(typeOfDecl(first), first);
            List<String> parts = new ArrayList<>();
            for (StatementTree s : init) {
                if (!(s instanceof VariableTree v) || !cType(typeOfDecl(v), v).equals(type)) {
                    error(s, "a for-loop initializer declares variables of one type only");
                    continue;
                }
                parts.add(id(v.getName().toString()) + (v.getInitializer() == null ? "" : " = " + expr(v.getInitializer())));
            }
            return type + " " + String.join(", ", parts);
        }
        List<String> parts = new ArrayList<>();
        for (StatementTree s : init) {
            parts.add(s instanceof ExpressionStatementTree e ? expr(e.getExpression()) : "");
        }
        return String.join(", ", parts);
    }

    private String declaration(VariableTree v, boolean kernelTop) {
        String name = id(v.getName().toString());
        TypeMirror t = typeOfDecl(v);
        ExpressionTree init = v.getInitializer();
        if (t.getKind() == TypeKind.ARRAY) {
            return arrayDeclaration(v, (ArrayType) t, name, init, kernelTop);
        }
        if (arrayDType(t) != null) {
            error(v, "a device array cannot be held in a local variable (" + v.getName() + "): use the parameter");
            return "";
        }
        String type = cType(t, v);
        return type + " " + name + (init == null ? "" : " = " + expr(init));
    }

    /**
     * Two kinds of Java arrays exist in kernels, both of compile-time size: local memory shared by
     * the work-group ({@code ctx.allocateFloatLocalArray(n)}) and private per-work-item arrays
     * ({@code new float[n]}, which the device keeps in registers when every index is known at
     * compile time, e.g. in unrolled loops).
     */
    private String arrayDeclaration(VariableTree v, ArrayType t, String name, ExpressionTree init, boolean kernelTop) {
        TypeMirror elem = t.getComponentType();
        String elemType = cType(elem, v);
        if (init instanceof MethodInvocationTree call && isContextCall(call)) {
            String m = methodName(call);
            if (!m.equals("allocateFloatLocalArray") && !m.equals("allocateIntLocalArray")) {
                error(v, "unexpected KernelContext call " + m + " in a declaration");
                return "";
            }
            if (!kernelTop) {
                error(v, "local memory (" + m + ") must be allocated at the top level of the kernel body,"
                        + " not inside a block or loop (OpenCL declares __local arrays at kernel scope)");
            }
            String size = constantSize(call.getArguments().getFirst());
            localArrays.add(v.getName().toString());
            return c.localArray() + " " + elemType + " " + name + "[" + size + "]";
        }
        if (init instanceof NewArrayTree na && na.getDimensions().size() == 1 && na.getInitializers() == null) {
            String size = constantSize(na.getDimensions().getFirst());
            privateArrays.add(v.getName().toString());
            // Java zero-fills new arrays; C must be told to.
            return elemType + " " + name + "[" + size + "] = {0}";
        }
        error(v, "an array in a kernel must be ctx.allocate...LocalArray(n) or new float[n]/new int[n] with a"
                + " compile-time size (" + v.getName() + ")");
        return "";
    }

    /** A compile-time size: literals, static final constants, @Constant parameters and arithmetic on them. */
    private String constantSize(ExpressionTree e) {
        if (!isCompileTimeSize(e)) {
            error(e, "array size '" + e + "' must be a compile-time constant: a literal, a static final int or a"
                    + " @Constant parameter");
        }
        return expr(e);
    }

    private boolean isCompileTimeSize(ExpressionTree e) {
        return switch (e) {
            case LiteralTree l -> l.getValue() instanceof Integer;
            case ParenthesizedTree p -> isCompileTimeSize(p.getExpression());
            case BinaryTree b -> isCompileTimeSize(b.getLeftOperand()) && isCompileTimeSize(b.getRightOperand());
            case IdentifierTree i -> constantParams.contains(i.getName().toString())
                    || element(i) instanceof VariableElement ve && ve.getConstantValue() != null;
            case MemberSelectTree s -> element(s) instanceof VariableElement ve && ve.getConstantValue() != null;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ expressions

    private String expr(ExpressionTree e) {
        return switch (e) {
            case ParenthesizedTree p -> "(" + expr(p.getExpression()) + ")";
            case LiteralTree l -> literal(l);
            case IdentifierTree i -> identifier(i);
            case MemberSelectTree s -> memberSelect(s);
            case BinaryTree b -> binary(b);
            case UnaryTree u -> unary(u);
            case AssignmentTree a -> assignTarget(a.getVariable()) + " = " + expr(a.getExpression());
            case CompoundAssignmentTree a -> compound(a);
            case ConditionalExpressionTree t -> expr(t.getCondition()) + " ? " + expr(t.getTrueExpression()) + " : "
                    + expr(t.getFalseExpression());
            case TypeCastTree t -> cast(t);
            case MethodInvocationTree m -> call(m);
            case ArrayAccessTree a -> arrayAccess(a);
            default -> {
                error(e, describe(e) + " is not supported in kernels");
                yield "/* unsupported */";
            }
        };
    }

    private String literal(LiteralTree l) {
        Object v = l.getValue();
        return switch (v) {
            case Integer i -> i.toString();
            case Long n -> n + c.longSuffix();
            case Float f -> floatLiteral(f);
            case Boolean b -> b.toString();
            case Double d -> {
                error(l, "double literal " + l + " in a kernel: write " + d.floatValue()
                        + "f (kernels compute in float32; a double would emit slow .f64 instructions)");
                yield floatLiteral(d.floatValue());
            }
            case Character ch -> {
                error(l, "char literal " + l + " is not supported in kernels");
                yield "0";
            }
            case null -> {
                error(l, "null is not supported in kernels");
                yield "0";
            }
            default -> {
                error(l, "literal " + l + " of type " + v.getClass().getSimpleName() + " is not supported in kernels");
                yield "0";
            }
        };
    }

    /** Every float literal carries the {@code f} suffix so no double arithmetic sneaks in. */
    private String floatLiteral(float f) {
        if (Float.isNaN(f)) {
            return c.nan();
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? c.positiveInfinity() : "(-" + c.positiveInfinity() + ")";
        }
        // Float.toString is the shortest decimal that reads back as the same float: exact in C too.
        String s = Float.toString(f);
        return (f < 0 ? "(" + s + "f)" : s + "f");
    }

    private String identifier(IdentifierTree i) {
        Element el = element(i);
        if (el instanceof VariableElement ve) {
            if (ve.getKind() == ElementKind.FIELD) {
                return fieldConstant(i, ve);
            }
            if (isContext(ve.asType())) {
                error(i, "the KernelContext can only be used as ctx.field or ctx.method(...)");
            }
            if (ve.asType().getKind() == TypeKind.DOUBLE) {
                error(i, "double variables are not supported in kernels (" + i.getName() + "): use float");
            }
        }
        return id(i.getName().toString());
    }

    private String memberSelect(MemberSelectTree s) {
        Element el = element(s);
        if (el instanceof VariableElement ve && ve.getKind() == ElementKind.FIELD) {
            if (isContext(typeOf(s.getExpression()))) {
                return contextField(s, s.getIdentifier().toString());
            }
            return fieldConstant(s, ve);
        }
        if (s.getIdentifier().contentEquals("length") && typeOf(s.getExpression()).getKind() == TypeKind.ARRAY) {
            error(s, "array.length is not supported in kernels: use the constant the array was sized with");
            return "0";
        }
        error(s, "'" + s + "' is not supported in kernels");
        return "0";
    }

    /** {@code static final} primitive constants are inlined as literals. */
    private String fieldConstant(Tree at, VariableElement field) {
        Object v = field.getConstantValue();
        if (v == null) {
            error(at, "field " + field.getSimpleName() + " is not a compile-time constant: kernels can read only"
                    + " static final primitive constants, parameters and locals");
            return "0";
        }
        return switch (v) {
            case Integer i -> i < 0 ? "(" + i + ")" : i.toString();
            case Long n -> "(" + n + c.longSuffix() + ")";
            case Float f -> floatLiteral(f);
            case Double d -> {
                error(at, "double constant " + field.getSimpleName() + " in a kernel: declare it float");
                yield floatLiteral(d.floatValue());
            }
            case Boolean b -> b.toString();
            default -> {
                error(at, "constant " + field.getSimpleName() + " of type " + v.getClass().getSimpleName()
                        + " is not supported in kernels");
                yield "0";
            }
        };
    }

    private String contextField(Tree at, String field) {
        char last = field.charAt(field.length() - 1);
        int d = "xyzXYZ".indexOf(last) % 3;
        String kind = CONTEXT_FIELDS.get(field.substring(0, field.length() - 1));
        if (d < 0 || kind == null) {
            error(at, "unknown KernelContext field " + field);
            return "0";
        }
        // A cast binds tighter than any operator, so the built-in needs no extra parentheses.
        return c.workItem(kind, d);
    }

    private String binary(BinaryTree b) {
        TypeMirror t = typeOf(b);
        if (t.getKind() == TypeKind.DECLARED) {
            error(b, "string concatenation is not supported in kernels");
            return "0";
        }
        String l = expr(b.getLeftOperand());
        String r = expr(b.getRightOperand());
        if (b.getKind() == Tree.Kind.UNSIGNED_RIGHT_SHIFT) {
            // C has no >>>: shift the unsigned reinterpretation, then convert back.
            return unsignedShift(t, l, r, b);
        }
        return l + " " + operator(b.getKind()) + " " + r;
    }

    private String unsignedShift(TypeMirror t, String l, String r, Tree at) {
        if (t.getKind() == TypeKind.INT) {
            return "((int) ((unsigned int) (" + l + ") >> (" + r + ")))";
        }
        if (t.getKind() == TypeKind.LONG) {
            String ul = c.dialect() == Dialect.CUDA ? "unsigned long long" : "ulong";
            return "((" + c.longType() + ") ((" + ul + ") (" + l + ") >> (" + r + ")))";
        }
        error(at, ">>> on " + t + " is not supported in kernels");
        return "0";
    }

    private String unary(UnaryTree u) {
        String operand = u.getKind().name().startsWith("POSTFIX") || u.getKind().name().startsWith("PREFIX")
                ? assignTarget(u.getExpression()) : expr(u.getExpression());
        return switch (u.getKind()) {
            case POSTFIX_INCREMENT -> operand + "++";
            case POSTFIX_DECREMENT -> operand + "--";
            case PREFIX_INCREMENT -> "++" + operand;
            case PREFIX_DECREMENT -> "--" + operand;
            case UNARY_MINUS -> "-" + operand;
            case UNARY_PLUS -> "+" + operand;
            case BITWISE_COMPLEMENT -> "~" + operand;
            case LOGICAL_COMPLEMENT -> "!" + operand;
            default -> {
                error(u, "operator " + u.getKind() + " is not supported in kernels");
                yield operand;
            }
        };
    }

    private String compound(CompoundAssignmentTree a) {
        String target = assignTarget(a.getVariable());
        String value = expr(a.getExpression());
        if (a.getKind() == Tree.Kind.UNSIGNED_RIGHT_SHIFT_ASSIGNMENT) {
            return target + " = " + unsignedShift(typeOf(a.getVariable()), target, value, a);
        }
        String op = switch (a.getKind()) {
            case PLUS_ASSIGNMENT -> "+=";
            case MINUS_ASSIGNMENT -> "-=";
            case MULTIPLY_ASSIGNMENT -> "*=";
            case DIVIDE_ASSIGNMENT -> "/=";
            case REMAINDER_ASSIGNMENT -> "%=";
            case LEFT_SHIFT_ASSIGNMENT -> "<<=";
            case RIGHT_SHIFT_ASSIGNMENT -> ">>=";
            case AND_ASSIGNMENT -> "&=";
            case OR_ASSIGNMENT -> "|=";
            case XOR_ASSIGNMENT -> "^=";
            default -> {
                error(a, "operator " + a.getKind() + " is not supported in kernels");
                yield "=";
            }
        };
        return target + " " + op + " " + value;
    }

    /** Assignable places: locals and private/local array elements. Parameters of scalars are locals in C too. */
    private String assignTarget(ExpressionTree t) {
        ExpressionTree e = stripParens(t);
        if (e instanceof IdentifierTree i && element(i) instanceof VariableElement ve) {
            if (ve.getKind() == ElementKind.FIELD) {
                error(t, "kernels cannot assign to fields (" + i.getName() + ")");
            } else if (constantParams.contains(i.getName().toString())) {
                error(t, "@Constant parameter " + i.getName() + " cannot be assigned");
            }
            return id(i.getName().toString());
        }
        if (e instanceof ArrayAccessTree) {
            return expr(e);
        }
        if (e instanceof MemberSelectTree s && isContext(typeOf(s.getExpression()))) {
            error(t, "KernelContext fields are read-only");
            return "0";
        }
        error(t, "cannot assign to '" + t + "' in a kernel");
        return expr(e);
    }

    private String cast(TypeCastTree t) {
        TypeMirror to = typeOf(t);
        if (to.getKind() == TypeKind.DOUBLE) {
            error(t, "cast to double is not supported in kernels: kernels compute in float32");
        }
        return "(" + cType(to, t) + ") " + expr(t.getExpression());
    }

    private String arrayAccess(ArrayAccessTree a) {
        return expr(a.getExpression()) + "[" + expr(a.getIndex()) + "]";
    }

    private String call(MethodInvocationTree m) {
        ExpressionTree select = m.getMethodSelect();
        Element el = element(select);
        if (!(el instanceof ExecutableElement method)) {
            error(m, "unsupported call " + m);
            return "0";
        }
        String name = method.getSimpleName().toString();
        String owner = ((TypeElement) method.getEnclosingElement()).getQualifiedName().toString();
        List<? extends ExpressionTree> args = m.getArguments();

        if (select instanceof MemberSelectTree s && isContext(typeOf(s.getExpression()))) {
            if (name.equals("localBarrier")) {
                if (!isKernel) {
                    error(m, "localBarrier() must be called in the kernel itself, not in a device function");
                }
                usesBarrier = true;
                return c.barrier();
            }
            if (name.equals("mmaTf32")) {
                return mmaCall(m, args);
            }
            error(m, "KernelContext." + name + "(...) can only initialize a local array declaration at the top"
                    + " of the kernel body");
            return "0";
        }
        if (select instanceof MemberSelectTree s) {
            DType dtype = arrayDType(typeOf(s.getExpression()));
            if (dtype != null) {
                return deviceArrayCall(m, s, dtype, name, args);
            }
        }
        if (owner.equals("java.lang.Math") || owner.equals("java.lang.StrictMath") || owner.equals(KERNEL_MATH)) {
            return mathCall(m, name, args);
        }
        if (owner.equals("java.lang.Float") && (name.equals("floatToRawIntBits") || name.equals("floatToIntBits"))) {
            return c.floatAsInt() + "(" + expr(args.getFirst()) + ")";
        }
        if (owner.equals("java.lang.Float") && name.equals("intBitsToFloat")) {
            return c.intAsFloat() + "(" + expr(args.getFirst()) + ")";
        }
        if (owner.equals("java.lang.Float") && name.equals("isNaN")) {
            return "isnan(" + expr(args.getFirst()) + ")";
        }
        if (hasAnnotation(method, DEVICE_FUNCTION)) {
            calls.add(method);
            List<String> cArgs = new ArrayList<>();
            for (ExpressionTree a : args) {
                cArgs.add(expr(a));
            }
            return id(name) + "(" + String.join(", ", cArgs) + ")";
        }
        error(m, "call to " + owner.substring(owner.lastIndexOf('.') + 1) + "." + name + " is not supported in kernels:"
                + " only @DeviceFunction methods, Math/KernelMath functions and device-array get/set can be called");
        return "0";
    }

    /**
     * ctx.mmaTf32(acc, accOffset, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride):
     * acc must name a private array, a and b local arrays (the helper's pointer types say so in OpenCL).
     */
    private String mmaCall(MethodInvocationTree m, List<? extends ExpressionTree> args) {
        if (!isKernel) {
            error(m, "mmaTf32 must be called in the kernel itself, not in a device function");
        }
        requireArray(m, args.get(0), privateArrays, "acc", "a private array (new float[n])");
        requireArray(m, args.get(2), localArrays, "a", "a local array (ctx.allocateFloatLocalArray(n))");
        requireArray(m, args.get(6), localArrays, "b", "a local array (ctx.allocateFloatLocalArray(n))");
        helpers.add(MatrixHelpers.MMA);
        return "mamba_mma_tf32(&" + expr(args.get(0)) + "[" + expr(args.get(1)) + "], &" + expr(args.get(2)) + "["
                + expr(args.get(3)) + "], " + expr(args.get(4)) + ", " + expr(args.get(5)) + ", &" + expr(args.get(6))
                + "[" + expr(args.get(7)) + "], " + expr(args.get(8)) + ", " + expr(args.get(9)) + ")";
    }

    private void requireArray(MethodInvocationTree m, ExpressionTree arg, Set<String> kind, String role, String what) {
        if (!(arg instanceof IdentifierTree i) || !kind.contains(i.getName().toString())) {
            error(m, "mmaTf32: " + role + " (" + arg + ") must be " + what);
        }
    }

    private String deviceArrayCall(MethodInvocationTree m, MemberSelectTree s, DType dtype, String name,
                                   List<? extends ExpressionTree> args) {
        String array = expr(s.getExpression());
        switch (name) {
            case "get" -> {
                String index = expr(args.getFirst());
                return switch (dtype) {
                    case F32, I32, I64 -> array + "[" + index + "]";
                    case F16 -> halfLoad(array, index);
                    case BF16 -> {
                        helpers.add("bf16");
                        yield "mamba_bf16_to_float(" + array + "[" + index + "])";
                    }
                };
            }
            case "set" -> {
                String index = expr(args.get(0));
                String value = expr(args.get(1));
                return switch (dtype) {
                    case F32, I32, I64 -> array + "[" + index + "] = " + value;
                    case F16 -> halfStore(array, index, value);
                    case BF16 -> {
                        helpers.add("bf16");
                        yield array + "[" + index + "] = mamba_float_to_bf16(" + value + ")";
                    }
                };
            }
            default -> {
                error(m, "device arrays support get(i) and set(i, v) in kernels; " + name + "() is host-only"
                        + (name.equals("length") ? " (pass the length as an int parameter)" : ""));
                return "0";
            }
        }
    }

    private String halfLoad(String array, String index) {
        if (c.dialect() == Dialect.OPENCL) {
            return "vload_half(" + index + ", " + array + ")";
        }
        helpers.add("f16");
        return "mamba_half_to_float(" + array + "[" + index + "])";
    }

    private String halfStore(String array, String index, String value) {
        if (c.dialect() == Dialect.OPENCL) {
            return "vstore_half_rte(" + value + ", " + index + ", " + array + ")";
        }
        helpers.add("f16");
        return array + "[" + index + "] = mamba_float_to_half(" + value + ")";
    }

    private String mathCall(MethodInvocationTree m, String name, List<? extends ExpressionTree> args) {
        if (!MATH_FUNCTIONS.contains(name)) {
            error(m, "Math." + name + " is not supported in kernels (supported: " + String.join(", ",
                    new java.util.TreeSet<>(MATH_FUNCTIONS)) + ")");
            return "0";
        }
        boolean allInts = true;
        for (ExpressionTree a : args) {
            TypeKind k = typeOf(a).getKind();
            allInts &= k == TypeKind.INT || k == TypeKind.LONG;
        }
        List<String> cArgs = new ArrayList<>();
        for (ExpressionTree a : args) {
            cArgs.add(expr(a));
        }
        if (allInts && (name.equals("min") || name.equals("max") || name.equals("abs"))) {
            // Integer min/max/abs: both dialects have integer overloads.
            return name + "(" + String.join(", ", cArgs) + ")";
        }
        List<String> floatArgs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            TypeKind k = typeOf(args.get(i)).getKind();
            floatArgs.add(k == TypeKind.INT || k == TypeKind.LONG ? "(float) " + cArgs.get(i) : cArgs.get(i));
        }
        if (name.equals("exp2Ftz") && c.dialect() == Dialect.CUDA) {
            helpers.add("exp2ftz");
        }
        if (name.equals("roundToTf32")) {
            helpers.add(MatrixHelpers.TF32);
        }
        return c.floatMath().get(name) + "(" + String.join(", ", floatArgs) + ")";
    }

    // ------------------------------------------------------------------ analysis helpers

    /** Records the names of device arrays that the body writes with set(...) or passes on. */
    private void collectWrites(BlockTree body) {
        new com.sun.source.util.TreeScanner<Void, Void>() {
            @Override
            public Void visitMethodInvocation(MethodInvocationTree m, Void unused) {
                if (m.getMethodSelect() instanceof MemberSelectTree s && s.getIdentifier().contentEquals("set")
                        && s.getExpression() instanceof IdentifierTree i) {
                    writtenArrays.add(i.getName().toString());
                }
                // An array handed to a device function may be written there.
                for (ExpressionTree a : m.getArguments()) {
                    if (a instanceof IdentifierTree i) {
                        writtenArrays.add(i.getName().toString());
                    }
                }
                return super.visitMethodInvocation(m, unused);
            }
        }.scan(body, null);
    }

    private TypeMirror typeOf(ExpressionTree e) {
        TypeMirror t = trees.getTypeMirror(path(e));
        if (t == null) {
            throw new IllegalStateException("no type for " + e + ": the kernel compiler runs after attribution");
        }
        return t;
    }

    private TypeMirror typeOfDecl(VariableTree v) {
        Element el = trees.getElement(path(v));
        return el.asType();
    }

    private Element element(Tree t) {
        return trees.getElement(path(t));
    }

    private TreePath path(Tree t) {
        TreePath p = TreePath.getPath(unit, t);
        if (p == null) {
            throw new IllegalStateException("tree not found in its compilation unit: " + t);
        }
        return p;
    }

    private boolean isContextCall(MethodInvocationTree call) {
        return call.getMethodSelect() instanceof MemberSelectTree s && isContext(typeOf(s.getExpression()));
    }

    private static String methodName(MethodInvocationTree call) {
        return ((MemberSelectTree) call.getMethodSelect()).getIdentifier().toString();
    }

    static boolean isContext(TypeMirror t) {
        return t.getKind() == TypeKind.DECLARED
                && ((TypeElement) ((DeclaredType) t).asElement()).getQualifiedName().contentEquals(CONTEXT);
    }

    static DType arrayDType(TypeMirror t) {
        if (t.getKind() != TypeKind.DECLARED) {
            return null;
        }
        return ARRAY_TYPES.get(((TypeElement) ((DeclaredType) t).asElement()).getQualifiedName().toString());
    }

    static String scalarTypeName(TypeMirror t) {
        return switch (t.getKind()) {
            case INT -> "int";
            case LONG -> "long";
            case FLOAT -> "float";
            default -> null;
        };
    }

    private String cType(TypeMirror t, Tree at) {
        return switch (t.getKind()) {
            case INT -> "int";
            case LONG -> c.longType();
            case FLOAT -> "float";
            case BOOLEAN -> "bool";
            case DOUBLE -> {
                error(at, "double is not supported in kernels: use float (kernels compute in float32)");
                yield "float";
            }
            default -> {
                error(at, "type " + t + " is not supported in kernels (use int, long, float or boolean)");
                yield "int";
            }
        };
    }

    static boolean hasAnnotation(Element e, String qualifiedName) {
        return e.getAnnotationMirrors().stream().anyMatch(a ->
                ((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals(qualifiedName));
    }

    private boolean hasAnnotation(VariableTree p, String qualifiedName) {
        Element el = trees.getElement(path(p));
        return el != null && hasAnnotation(el, qualifiedName);
    }

    private static ExpressionTree stripParens(ExpressionTree e) {
        while (e instanceof ParenthesizedTree p) {
            e = p.getExpression();
        }
        return e;
    }

    private static String id(String javaName) {
        return C_RESERVED.contains(javaName) ? javaName + "_" : javaName;
    }

    private static String operator(Tree.Kind k) {
        return switch (k) {
            case PLUS -> "+";
            case MINUS -> "-";
            case MULTIPLY -> "*";
            case DIVIDE -> "/";
            case REMAINDER -> "%";
            case LEFT_SHIFT -> "<<";
            case RIGHT_SHIFT -> ">>";
            case LESS_THAN -> "<";
            case GREATER_THAN -> ">";
            case LESS_THAN_EQUAL -> "<=";
            case GREATER_THAN_EQUAL -> ">=";
            case EQUAL_TO -> "==";
            case NOT_EQUAL_TO -> "!=";
            case AND -> "&";
            case OR -> "|";
            case XOR -> "^";
            case CONDITIONAL_AND -> "&&";
            case CONDITIONAL_OR -> "||";
            default -> throw new IllegalStateException("operator " + k);
        };
    }

    /** A readable name for an unsupported construct, e.g. "a switch statement". */
    static String describe(Tree t) {
        String kind = t.getKind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return switch (t.getKind()) {
            case ENHANCED_FOR_LOOP -> "an enhanced for loop (for-each)";
            case SWITCH, SWITCH_EXPRESSION -> "a switch";
            case TRY -> "try/catch";
            case THROW -> "throw";
            case LAMBDA_EXPRESSION -> "a lambda";
            case NEW_CLASS -> "object creation (new)";
            case NEW_ARRAY -> "an array creation outside a local declaration";
            case SYNCHRONIZED -> "synchronized";
            case LABELED_STATEMENT -> "a labeled statement";
            case INSTANCE_OF -> "instanceof";
            case MEMBER_REFERENCE -> "a method reference";
            case ASSERT -> "assert";
            case CLASS -> "a local class";
            default -> kind;
        };
    }

    private StringBuilder indent(StringBuilder out, int depth) {
        return out.append("    ".repeat(depth));
    }

    /** A trailing comment with the Java line, so generated code can be read beside the kernel. */
    private void lineComment(StringBuilder out, Tree t) {
        SourcePositions pos = trees.getSourcePositions();
        long start = pos.getStartPosition(unit, t);
        if (start >= 0) {
            out.append(" // L").append(unit.getLineMap().getLineNumber(start));
        }
        out.append('\n');
    }

    private void error(Tree t, String message) {
        problems.add(new Problem(t, message));
    }

    MethodTree method() {
        return method;
    }
}
