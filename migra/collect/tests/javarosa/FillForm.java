/*
 * Fills an XForm with JavaRosa, the form engine inside ODK Collect, for Migra's tests.
 *
 * Run with the ODK Validate jar that pyxform ships (it contains JavaRosa):
 *
 *   java -cp ODK_Validate.jar FillForm.java form.xml answers.txt \
 *        [--media DIR] [--lang LANGUAGE] [--property NAME=VALUE]...
 *
 * answers.txt holds one answer per line, "path=value", UTF-8:
 *   - path is relative to the instance root ("name", "grp/age") or absolute ("/data/name");
 *     a repeat instance is chosen with an XPath-style index from 1: "members[2]/name"
 *     (a segment without an index means [1]);
 *   - "members[3]=" (the repeat itself, any value) adds that repeat instance even when
 *     none of its questions is answered;
 *   - select_one: the choice's value; select_multiple: values separated by spaces;
 *     int, decimal, date (2026-03-01), time, dateTime, geopoint: as in XForms; text,
 *     barcode and files (image, audio, video, file: the attachment's file name): as is;
 *   - an empty value clears the question's default;
 *   - in a value, "\n" is a newline, "\r" a carriage return and "\\" a backslash;
 *   - blank lines and lines starting with "#" are skipped.
 *
 * It walks the form as a person swiping through ODK Collect would: questions in order,
 * only the relevant ones, answering each with FormEntryController.answerQuestion (which
 * checks the constraint), adding repeat instances that the answers ask for, and lets
 * JavaRosa compute calculates, defaults and preloads (meta/instanceID, start, end …).
 * Then, as Collect does when a form is finalized: FormDef.validate(true) (required
 * questions and constraints), FormEntryController.finalizeFormEntry(), and the instance
 * serialized by XFormSerializingVisitor against the submission profile — the bytes Collect
 * writes to submission.xml and sends as xml_submission_file. They go to standard output.
 *
 * Form media (--media DIR) answer jr://file/, jr://file-csv/, jr://images/ … references,
 * as the form's media folder does on a phone; pulldata() reads DIR/<name>.csv.
 *
 * Failures exit non-zero with a last line on standard error:
 *   FILLFORM-ERROR <tab> kind <tab> path <tab> message
 * kind and exit code: constraint 2, required 3, answer 4 (no such question, not relevant,
 * read-only, not one of the choices, not a valid number …), form 5 (the form or its media
 * cannot be loaded), usage 64, crash 1.
 */

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.javarosa.core.model.Constants;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.IDataReference;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.SubmissionProfile;
import org.javarosa.core.model.ValidateOutcome;
import org.javarosa.core.model.condition.EvaluationContext;
import org.javarosa.core.model.condition.IFunctionHandler;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.SelectMultiData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.StringData;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.model.instance.TreeElement;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.core.reference.PrefixedRootFactory;
import org.javarosa.core.reference.Reference;
import org.javarosa.core.reference.ReferenceManager;
import org.javarosa.core.reference.RootTranslator;
import org.javarosa.core.services.IPropertyManager;
import org.javarosa.core.services.PropertyManager;
import org.javarosa.core.services.properties.IPropertyRules;
import org.javarosa.core.services.transport.payload.ByteArrayPayload;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.model.xform.XFormsModule;
import org.javarosa.model.xform.XPathReference;
import org.javarosa.xform.parse.XFormParser;
import org.javarosa.xform.util.XFormAnswerDataParser;
import org.javarosa.xform.util.XFormUtils;
import org.javarosa.xpath.XPathParseTool;
import org.javarosa.xpath.expr.XPathExpression;
import org.javarosa.xpath.expr.XPathFuncExpr;

public class FillForm {
    static final int EXIT_CRASH = 1;
    static final int EXIT_CONSTRAINT = 2;
    static final int EXIT_REQUIRED = 3;
    static final int EXIT_ANSWER = 4;
    static final int EXIT_FORM = 5;
    static final int EXIT_USAGE = 64;
    // Enough for an answer that makes an earlier question relevant (rare, but legal).
    static final int MAX_PASSES = 4;

    /** A reason the form cannot be filled as asked; becomes the FILLFORM-ERROR line. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;
        final String kind;
        final String path;

        Failure(int code, String kind, String path, String message) {
            super(message);
            this.code = code;
            this.kind = kind;
            this.path = path == null ? "" : path;
        }
    }

    public static void main(String[] args) {
        // JavaRosa may print; only the instance goes to the real standard output.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        System.setOut(System.err);
        int code;
        try {
            byte[] xml = run(args);
            out.write(xml);
            out.flush();
            code = 0;
        } catch (Failure failure) {
            report(failure.kind, failure.path, failure.getMessage());
            code = failure.code;
        } catch (Throwable error) {
            error.printStackTrace();
            report("crash", "", String.valueOf(error));
            code = EXIT_CRASH;
        }
        System.exit(code);
    }

    static void report(String kind, String path, String message) {
        String text = message == null ? "" : message.replace('\t', ' ').replace("\r", " ")
                .replace("\n", " ");
        System.err.println("FILLFORM-ERROR\t" + kind + "\t" + path + "\t" + text);
        System.err.flush();
    }

    static Failure usage(String message) {
        return new Failure(EXIT_USAGE, "usage", "", message
                + " (usage: FillForm form.xml answers.txt [--media DIR] [--lang LANGUAGE]"
                + " [--property NAME=VALUE]...)");
    }

    static Failure answerFailure(String path, String message) {
        return new Failure(EXIT_ANSWER, "answer", path, message);
    }

    static byte[] run(String[] args) throws IOException {
        List<String> positional = new ArrayList<>();
        String mediaDir = null;
        String language = null;
        Map<String, String> properties = new HashMap<>();
        properties.put("deviceid", "collect:MigraJavaRosaTest");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--media") || arg.equals("--lang") || arg.equals("--property")) {
                if (i + 1 >= args.length) {
                    throw usage(arg + " needs a value");
                }
                String value = args[++i];
                if (arg.equals("--media")) {
                    mediaDir = value;
                } else if (arg.equals("--lang")) {
                    language = value;
                } else {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw usage("--property takes NAME=VALUE");
                    }
                    properties.put(value.substring(0, eq), value.substring(eq + 1));
                }
            } else if (arg.startsWith("--")) {
                throw usage("unknown option " + arg);
            } else {
                positional.add(arg);
            }
        }
        if (positional.size() != 2) {
            throw usage("give the form and the answers file");
        }
        Map<String, String> answers = readAnswers(Paths.get(positional.get(1)));
        byte[] formXml = Files.readAllBytes(Paths.get(positional.get(0)));
        setUpJavaRosa(mediaDir, properties);
        FormDef form = loadForm(formXml, mediaDir);
        return fill(form, answers, language);
    }

    // ---- answers file -------------------------------------------------------------

    static Map<String, String> readAnswers(Path file) throws IOException {
        Map<String, String> answers = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw usage("answers line " + (n + 1) + " is not path=value");
            }
            String path = canonical(line.substring(0, eq));
            if (answers.containsKey(path)) {
                throw answerFailure(path, "answered twice in the answers file");
            }
            answers.put(path, unescape(line.substring(eq + 1)));
        }
        return answers;
    }

    static String unescape(String value) {
        StringBuilder text = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                if (next == 'n') {
                    text.append('\n');
                } else if (next == 'r') {
                    text.append('\r');
                } else {
                    text.append(next);
                }
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    /** "/data/grp/members[2]/name" or "grp/members[2]/name" → "grp[1]/members[2]/name[1]". */
    static String canonical(String raw) {
        String path = raw.trim();
        if (path.startsWith("/")) {
            int slash = path.indexOf('/', 1);
            path = slash < 0 ? "" : path.substring(slash + 1);
        }
        if (path.isEmpty()) {
            throw answerFailure(raw, "empty question path");
        }
        StringBuilder result = new StringBuilder();
        for (String segment : path.split("/", -1)) {
            String name = segment;
            int index = 1;
            int open = segment.indexOf('[');
            if (open >= 0) {
                if (!segment.endsWith("]")) {
                    throw answerFailure(raw, "bad index in question path");
                }
                name = segment.substring(0, open);
                try {
                    index = Integer.parseInt(segment.substring(open + 1, segment.length() - 1));
                } catch (NumberFormatException e) {
                    throw answerFailure(raw, "bad index in question path");
                }
                if (index < 1) {
                    throw answerFailure(raw, "repeat indexes start at 1");
                }
            }
            if (name.isEmpty()) {
                throw answerFailure(raw, "empty name in question path");
            }
            if (result.length() > 0) {
                result.append('/');
            }
            result.append(name).append('[').append(index).append(']');
        }
        return result.toString();
    }

    /** The canonical path of an instance node, without the root element. */
    static String pathOf(TreeReference ref) {
        StringBuilder result = new StringBuilder();
        for (int level = 1; level < ref.size(); level++) {
            int mult = ref.getMultiplicity(level);
            if (result.length() > 0) {
                result.append('/');
            }
            result.append(ref.getName(level)).append('[').append(mult >= 0 ? mult + 1 : 1)
                    .append(']');
        }
        return result.toString();
    }

    /** For messages: "members[2]/name" rather than "members[2]/name[1]". */
    static String readable(String canonicalPath) {
        return canonicalPath.replace("[1]", "");
    }

    // ---- JavaRosa set-up, as ODK Collect does it ---------------------------------

    static void setUpJavaRosa(String mediaDir, Map<String, String> properties) {
        new XFormsModule().registerModule();
        PropertyManager.setPropertyManager(new Properties(properties));
        ReferenceManager manager = ReferenceManager.instance();
        manager.reset();
        if (mediaDir != null) {
            File root = new File(mediaDir);
            manager.addReferenceFactory(new MediaFolderFactory(root));
            for (String kind : new String[] {"file-csv", "images", "audio", "video"}) {
                manager.addSessionRootTranslator(new RootTranslator("jr://" + kind + "/",
                        "jr://file/"));
            }
        }
    }

    static FormDef loadForm(byte[] xml, String mediaDir) {
        FormDef form;
        try {
            form = XFormUtils.getFormFromInputStream(new java.io.ByteArrayInputStream(xml));
        } catch (Exception | Error error) {
            throw new Failure(EXIT_FORM, "form", "", "JavaRosa cannot load the form: "
                    + describe(error));
        }
        if (form == null) {
            throw new Failure(EXIT_FORM, "form", "", "JavaRosa cannot load the form");
        }
        form.getEvaluationContext().addFunctionHandler(new PullData(mediaDir));
        try {
            form.initialize(true, new InstanceInitializationFactory());
        } catch (RuntimeException error) {
            throw new Failure(EXIT_FORM, "form", "", "JavaRosa cannot start the form: "
                    + describe(error));
        }
        return form;
    }

    static String describe(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause();
                cause = cause.getCause()) {
            text.append(" / ").append(cause);
        }
        return text.toString();
    }

    // ---- filling ------------------------------------------------------------------

    static byte[] fill(FormDef form, Map<String, String> answers, String language)
            throws IOException {
        FormEntryModel model = new FormEntryModel(form);
        FormEntryController controller = new FormEntryController(model);
        if (language != null) {
            List<String> languages = Arrays.asList(model.getLanguages() == null
                    ? new String[0] : model.getLanguages());
            if (!languages.contains(language)) {
                throw usage("the form has no language " + language + " (it has " + languages
                        + ")");
            }
            controller.setLanguage(language);
        }
        Set<String> used = new HashSet<>();
        for (int pass = 0; pass < MAX_PASSES && used.size() < answers.size(); pass++) {
            int before = used.size();
            walk(controller, model, answers, used);
            if (used.size() == before) {
                break;
            }
        }
        for (String path : answers.keySet()) {
            if (!used.contains(path)) {
                throw answerFailure(readable(path), "no question at this path is shown with"
                        + " these answers (wrong name, not relevant, or a calculation)");
            }
        }

        // What Collect does when the form is finalized ("mark as finalized" / "send").
        ValidateOutcome outcome = form.validate();
        if (outcome != null) {
            FormIndex index = outcome.failedPrompt;
            String path = readable(pathOf(index.getReference()));
            FormEntryPrompt prompt = model.getQuestionPrompt(index);
            if (outcome.outcome == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY) {
                throw new Failure(EXIT_REQUIRED, "required", path, requiredText(form, prompt));
            }
            throw new Failure(EXIT_CONSTRAINT, "constraint", path, constraintText(prompt));
        }
        controller.finalizeFormEntry();
        XFormSerializingVisitor serializer = new XFormSerializingVisitor();
        ByteArrayPayload payload = (ByteArrayPayload) serializer.createSerializedPayload(
                form.getInstance(), submissionReference(form));
        try (InputStream stream = payload.getPayloadStream()) {
            return stream.readAllBytes();
        }
    }

    static IDataReference submissionReference(FormDef form) {
        SubmissionProfile profile = form.getSubmissionProfile();
        if (profile == null || profile.getRef() == null) {
            return new XPathReference("/");
        }
        return profile.getRef();
    }

    static void walk(FormEntryController controller, FormEntryModel model,
            Map<String, String> answers, Set<String> used) {
        controller.jumpToIndex(FormIndex.createBeginningOfFormIndex());
        int event = controller.stepToNextEvent();
        while (event != FormEntryController.EVENT_END_OF_FORM) {
            FormIndex index = model.getFormIndex();
            if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                String repeat = pathOf(index.getReference());
                if (wanted(repeat, answers)) {
                    controller.newRepeat();
                    if (answers.containsKey(repeat)) {
                        used.add(repeat);
                    }
                }
            } else if (event == FormEntryController.EVENT_REPEAT) {
                String repeat = pathOf(index.getReference());
                if (answers.containsKey(repeat)) {
                    used.add(repeat);
                }
            } else if (event == FormEntryController.EVENT_QUESTION) {
                String path = pathOf(index.getReference());
                if (answers.containsKey(path) && !used.contains(path)) {
                    answer(controller, model, index, path, answers.get(path));
                    used.add(path);
                }
            }
            event = controller.stepToNextEvent();
        }
    }

    /** Whether an answer asks for this repeat instance or a later one of the same repeat. */
    static boolean wanted(String repeat, Map<String, String> answers) {
        int open = repeat.lastIndexOf('[');
        String base = repeat.substring(0, open + 1);
        int position = Integer.parseInt(repeat.substring(open + 1, repeat.length() - 1));
        for (String path : answers.keySet()) {
            if (path.startsWith(base)) {
                int close = path.indexOf(']', base.length());
                if (Integer.parseInt(path.substring(base.length(), close)) >= position) {
                    return true;
                }
            }
        }
        return false;
    }

    static void answer(FormEntryController controller, FormEntryModel model, FormIndex index,
            String path, String text) {
        FormEntryPrompt prompt = model.getQuestionPrompt(index);
        String shown = readable(path);
        if (prompt.isReadOnly()) {
            throw answerFailure(shown, "read-only question: a person cannot answer it");
        }
        IAnswerData data = toAnswerData(prompt, text, shown);
        int status = controller.answerQuestion(index, data, true);
        if (status == FormEntryController.ANSWER_CONSTRAINT_VIOLATED) {
            throw new Failure(EXIT_CONSTRAINT, "constraint", shown, constraintText(
                    model.getQuestionPrompt(index)));
        }
        if (status == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY) {
            throw new Failure(EXIT_REQUIRED, "required", shown, requiredText(
                    model.getForm(), model.getQuestionPrompt(index)));
        }
    }

    static IAnswerData toAnswerData(FormEntryPrompt prompt, String text, String path) {
        if (text.isEmpty()) {
            return null;
        }
        int control = prompt.getControlType();
        int type = prompt.getDataType();
        if (control == Constants.CONTROL_SELECT_ONE || control == Constants.CONTROL_SELECT_MULTI
                || control == Constants.CONTROL_RANK) {
            // The choices as the phone would list them now (choice filters applied).
            List<SelectChoice> choices = prompt.getSelectChoices();
            if (choices == null) {
                choices = new ArrayList<>();
            }
            if (control == Constants.CONTROL_SELECT_ONE) {
                return new SelectOneData(choose(choices, text, path));
            }
            List<Selection> selections = new ArrayList<>();
            for (String value : text.trim().split("\\s+")) {
                selections.add(choose(choices, value, path));
            }
            return new SelectMultiData(selections);
        }
        if (type == Constants.DATATYPE_TEXT || type == Constants.DATATYPE_NULL
                || type == Constants.DATATYPE_BINARY || type == Constants.DATATYPE_BARCODE
                || type == Constants.DATATYPE_UNSUPPORTED) {
            return new StringData(text);
        }
        IAnswerData data;
        try {
            data = XFormAnswerDataParser.getAnswerData(text, type, prompt.getQuestion());
        } catch (RuntimeException error) {
            data = null;
        }
        if (data == null) {
            throw answerFailure(path, "\"" + text + "\" is not a valid " + typeName(type));
        }
        return data;
    }

    static Selection choose(List<SelectChoice> choices, String value, String path) {
        List<String> values = new ArrayList<>();
        for (SelectChoice choice : choices) {
            if (choice.getValue().equals(value)) {
                return choice.selection();
            }
            values.add(choice.getValue());
        }
        String shown = values.size() > 20 ? values.subList(0, 20) + "…" : values.toString();
        throw answerFailure(path, "\"" + value + "\" is not one of the choices offered "
                + shown);
    }

    static String typeName(int type) {
        switch (type) {
            case Constants.DATATYPE_INTEGER:
                return "integer";
            case Constants.DATATYPE_LONG:
                return "long integer";
            case Constants.DATATYPE_DECIMAL:
                return "decimal number";
            case Constants.DATATYPE_DATE:
                return "date (YYYY-MM-DD)";
            case Constants.DATATYPE_TIME:
                return "time";
            case Constants.DATATYPE_DATE_TIME:
                return "date and time";
            case Constants.DATATYPE_GEOPOINT:
                return "geopoint (lat lon alt accuracy)";
            case Constants.DATATYPE_BOOLEAN:
                return "boolean";
            default:
                return "answer of type " + type;
        }
    }

    static String constraintText(FormEntryPrompt prompt) {
        String text = null;
        try {
            text = prompt.getConstraintText();
        } catch (RuntimeException error) {
            // A message that cannot be computed still leaves a violated constraint.
        }
        return text == null || text.isEmpty() ? "the answer breaks the question's constraint"
                : text;
    }

    /** jr:requiredMsg (evaluated when it is an expression), as Collect shows it. */
    static String requiredText(FormDef form, FormEntryPrompt prompt) {
        String fallback = "a required question has no answer";
        TreeElement node = form.getMainInstance().resolveReference(
                prompt.getIndex().getReference());
        String message = node == null ? null
                : node.getBindAttributeValue(XFormParser.NAMESPACE_JAVAROSA, "requiredMsg");
        if (message == null || message.isEmpty()) {
            return fallback;
        }
        try {
            XPathExpression expression = XPathParseTool.parseXPath("string(" + message + ")");
            EvaluationContext context = new EvaluationContext(form.getEvaluationContext(),
                    node.getRef());
            Object value = expression.eval(form.getMainInstance(), context);
            String text = value == null ? "" : String.valueOf(value);
            return text.isEmpty() ? fallback : text;
        } catch (Exception error) {
            return message; // a plain string, not an expression
        }
    }

    // ---- services JavaRosa expects from its host ----------------------------------

    /** Device properties for jr:preload="property" (deviceid, username, email …). */
    static final class Properties implements IPropertyManager {
        final Map<String, String> values;
        final List<IPropertyRules> rules = new ArrayList<>();

        Properties(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public List<String> getProperty(String name) {
            String value = getSingularProperty(name);
            return value == null ? null : new ArrayList<>(List.of(value));
        }

        @Override
        public void setProperty(String name, String value) {
            values.put(name, value);
        }

        @Override
        public void setProperty(String name, List<String> value) {
            values.put(name, value == null || value.isEmpty() ? "" : value.get(0));
        }

        @Override
        public String getSingularProperty(String name) {
            String key = name.startsWith("uri:") ? name.substring(4) : name;
            return values.get(key);
        }

        @Override
        public void addRules(IPropertyRules rule) {
            rules.add(rule);
        }

        @Override
        public List<IPropertyRules> getRules() {
            return rules;
        }
    }

    /** jr://file/NAME → DIR/NAME, the form's media folder on a phone. */
    static final class MediaFolderFactory extends PrefixedRootFactory {
        final File root;

        MediaFolderFactory(File root) {
            super(new String[] {"file"});
            this.root = root;
        }

        @Override
        protected Reference factory(String terminal, String uri) {
            return new MediaFile(root, terminal, uri);
        }
    }

    static final class MediaFile implements Reference {
        final File file;
        final String uri;

        MediaFile(File root, String terminal, String uri) {
            String name = terminal.startsWith("/") ? terminal.substring(1) : terminal;
            File candidate = new File(root, name);
            try {
                // A form may not read outside its media folder.
                if (!candidate.getCanonicalPath().startsWith(root.getCanonicalPath()
                        + File.separator)) {
                    candidate = new File(root, ".outside-media-folder");
                }
            } catch (IOException error) {
                candidate = new File(root, ".unreadable");
            }
            this.file = candidate;
            this.uri = uri;
        }

        @Override
        public boolean doesBinaryExist() {
            return file.isFile();
        }

        @Override
        public InputStream getStream() throws IOException {
            if (!file.isFile()) {
                throw new Failure(EXIT_FORM, "form", "", "form media file " + uri
                        + " is missing (give it as media)");
            }
            return new FileInputStream(file);
        }

        @Override
        public String getURI() {
            return uri;
        }

        @Override
        public String getLocalURI() {
            return file.getAbsolutePath();
        }

        @Override
        public boolean isReadOnly() {
            return true;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("form media is read-only");
        }

        @Override
        public void remove() throws IOException {
            throw new IOException("form media is read-only");
        }

        @Override
        public Reference[] probeAlternativeReferences() {
            return new Reference[0];
        }
    }

    /**
     * pulldata('name', 'column', 'key column', key): Collect's lookup in the form media
     * file name.csv — the first row whose key column equals key, or "".
     */
    static final class PullData implements IFunctionHandler {
        final String mediaDir;
        final Map<String, List<Map<String, String>>> tables = new HashMap<>();

        PullData(String mediaDir) {
            this.mediaDir = mediaDir;
        }

        @Override
        public String getName() {
            return "pulldata";
        }

        @Override
        @SuppressWarnings("rawtypes") // the interface's own signature
        public List<Class[]> getPrototypes() {
            return new ArrayList<>();
        }

        @Override
        public boolean rawArgs() {
            return true;
        }

        @Override
        public boolean realTime() {
            return false;
        }

        @Override
        public Object eval(Object[] args, EvaluationContext context) {
            if (args.length != 4) {
                throw new IllegalArgumentException("pulldata() takes 4 arguments");
            }
            String name = XPathFuncExpr.toString(args[0]);
            String column = XPathFuncExpr.toString(args[1]);
            String keyColumn = XPathFuncExpr.toString(args[2]);
            String key = XPathFuncExpr.toString(args[3]);
            for (Map<String, String> row : table(name)) {
                if (key.equals(row.get(keyColumn))) {
                    String value = row.get(column);
                    return value == null ? "" : value;
                }
            }
            return "";
        }

        List<Map<String, String>> table(String name) {
            return tables.computeIfAbsent(name, this::load);
        }

        List<Map<String, String>> load(String name) {
            if (mediaDir == null || name.contains("/") || name.contains("\\")) {
                throw new Failure(EXIT_FORM, "form", "", "pulldata(): no media file " + name
                        + ".csv");
            }
            File file = new File(mediaDir, name.endsWith(".csv") ? name : name + ".csv");
            List<List<String>> rows;
            try {
                rows = parseCsv(new String(Files.readAllBytes(file.toPath()),
                        StandardCharsets.UTF_8));
            } catch (IOException error) {
                throw new Failure(EXIT_FORM, "form", "", "pulldata(): no media file "
                        + file.getName());
            }
            List<Map<String, String>> table = new ArrayList<>();
            if (rows.isEmpty()) {
                return table;
            }
            List<String> header = rows.get(0);
            for (List<String> cells : rows.subList(1, rows.size())) {
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.size() && i < cells.size(); i++) {
                    row.put(header.get(i).trim(), cells.get(i));
                }
                table.add(row);
            }
            return table;
        }
    }

    /** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, a BOM. */
    static List<List<String>> parseCsv(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else {
                field.append(c);
            }
        }
        if (any) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
